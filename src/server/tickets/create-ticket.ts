import "server-only";
import type { SessionUser, TicketDTO } from "../../shared/dto";
import type { TCreateTicket } from "../../shared/schemas/tickets";
import { db } from "../db";
import { announceCommitted } from "../events/publish";
import { recordEvent } from "../events/record-event";
import type { Remember } from "../integrity/run-idempotent";
import { viewEvent } from "../events/view-event";
import { enforceCreationLimit, refundCreationLimit } from "../limits/enforce-creation-limit";
import { AppError } from "../errors";
import { audienceOf, authorize, creatablePriorities, defaultPriority } from "../policy";
import { getSettings } from "../settings/get-settings";
import { PRIORITY_LABELS } from "../../shared/enums";
import { ticketInclude, toTicketDTO } from "../serializers";

/**
 * Open a ticket on behalf of `actor`, who becomes its requester. A
 * requester may choose only the priorities the admin allowed (Settings).
 * `remember` stores the response for an Idempotency-Key in the same transaction.
 */
export async function createTicket(actor: SessionUser, input: TCreateTicket, remember?: Remember<TicketDTO>): Promise<TicketDTO> {
  authorize(actor, "ticket:create");
  // Refused before the creation limit counts it: bad input changes nothing.
  const allowed = creatablePriorities(actor, await getSettings());
  if (input.priority !== undefined && !allowed.includes(input.priority)) {
    throw new AppError("VALIDATION", "You cannot choose this priority", {
      priority: [`Choose one of: ${allowed.map((p) => PRIORITY_LABELS[p]).join(", ")}`],
    });
  }
  await enforceCreationLimit("ticket", actor.id);
  const event = await db().$transaction(async (tx) => {
    const { id } = await tx.ticket.create({
      data: {
        title: input.title,
        description: input.description,
        priority: input.priority ?? defaultPriority(allowed),
        requesterId: actor.id,
      },
      select: { id: true },
    });
    const recorded = await recordEvent(tx, {
      ticketId: id,
      type: "ticket:created",
      actor,
      data: async () => ({
        // Stored in staff numbering; viewEvent renumbers it for requesters.
        ticket: toTicketDTO(await tx.ticket.findUniqueOrThrow({ where: { id }, include: ticketInclude }), "staff"),
      }),
    });
    await remember?.inTransaction(tx, viewEvent(recorded, audienceOf(actor)).data.ticket);
    return recorded;
  }).catch(async (e: unknown) => {
    // Rolled back, so nothing was created: the count goes back. A request
    // that lost its Idempotency-Key to a concurrent one fails here before it
    // is replayed (runIdempotent), and a send retried while the database was
    // unavailable failed here each time; neither may cost a ticket.
    await refundCreationLimit("ticket", actor.id);
    throw e;
  });
  announceCommitted();
  return viewEvent(event, audienceOf(actor)).data.ticket;
}
