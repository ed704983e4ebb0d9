import "server-only";
import type { SessionUser, TicketDTO } from "../../shared/dto";
import { TAGS_PER_TICKET_MAX, type TTagOps } from "../../shared/schemas/tags";
import { db } from "../db";
import { AppError } from "../errors";
import { announceCommitted } from "../events/publish";
import { recordEvent } from "../events/record-event";
import { viewEvent } from "../events/view-event";
import { ticketInclude, toTicketDTO } from "../serializers";
import { loadTicketWithTagsFor } from "../tickets/load-ticket";

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

/**
 * Add and remove tags on one ticket (staff only).
 *
 * Operations, not a replacement set, and no version check: two people tagging
 * the same ticket at once both get what they asked for, and neither's change
 * is a conflict for the other's status or assignee edits (tags do not move the
 * ticket's version). The ticket row is locked first, so concurrent changes run
 * one after the other and each event says exactly what it changed. Asking for
 * what is already so (adding a tag the ticket has) changes nothing and records
 * nothing. The event is internal: requesters never hear of tags.
 */
export async function changeTags(actor: SessionUser, ticketId: string, ops: TTagOps): Promise<TicketDTO> {
  const current = await loadTicketWithTagsFor(actor, ticketId, "ticket:tag");
  const add = sorted(ops.add ?? []);
  const remove = sorted(ops.remove ?? []);

  const event = await db().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "Ticket" WHERE "id" = ${ticketId} FOR UPDATE`;
    const have = new Set((await tx.ticketTag.findMany({ where: { ticketId }, select: { tag: { select: { name: true } } } })).map((t) => t.tag.name));
    const added = add.filter((name) => !have.has(name));
    const removed = remove.filter((name) => have.has(name));
    if (added.length === 0 && removed.length === 0) return null;
    if (have.size + added.length - removed.length > TAGS_PER_TICKET_MAX) {
      const message = `A ticket carries at most ${TAGS_PER_TICKET_MAX} tags`;
      throw new AppError("VALIDATION", message, { add: [message] });
    }
    if (added.length) {
      // A name another request is creating right now waits for it, then is found.
      await tx.tag.createMany({ data: added.map((name) => ({ name })), skipDuplicates: true });
      const tags = await tx.tag.findMany({ where: { name: { in: added } }, select: { id: true } });
      await tx.ticketTag.createMany({ data: tags.map((t) => ({ ticketId, tagId: t.id })), skipDuplicates: true });
    }
    if (removed.length) await tx.ticketTag.deleteMany({ where: { ticketId, tag: { name: { in: removed } } } });
    return recordEvent(tx, {
      ticketId,
      type: "ticket:updated",
      actor,
      internal: true,
      data: async () => ({
        ticket: toTicketDTO(await tx.ticket.findUniqueOrThrow({ where: { id: ticketId }, include: ticketInclude }), "staff"),
        changes: { tags: { added, removed } },
      }),
    });
  });
  if (!event) return toTicketDTO(current, "staff");
  announceCommitted();
  return viewEvent(event, "staff").data.ticket;
}
