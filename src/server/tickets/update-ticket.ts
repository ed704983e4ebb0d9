import "server-only";
import type { SessionUser, TicketChanges, TicketDTO } from "../../shared/dto";
import type { TUpdateTicket } from "../../shared/schemas/tickets";
import { db } from "../db";
import { AppError } from "../errors";
import { announceCommitted } from "../events/publish";
import { recordEvent } from "../events/record-event";
import { viewEvent } from "../events/view-event";
import { audienceOf, authorize, mayBeAssigned, statusChangeAllowed } from "../policy";
import { ticketInclude, toTicketDTO } from "../serializers";
import { loadTicketWithTagsFor } from "./load-ticket";

/**
 * Change a ticket's status, priority, assignee or title.
 *
 * With `version`, the change applies only if nobody changed the ticket since
 * the caller loaded it (409 otherwise, carrying nothing written). Fields equal
 * to their current value are not changes: no event, no version bump.
 */
export async function updateTicket(actor: SessionUser, ticketId: string, input: TUpdateTicket): Promise<TicketDTO> {
  // Without `version` the caller asked for "whatever it is now": losing a race
  // to a concurrent change is not a conflict for them, so re-read and retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await updateOnce(actor, ticketId, input);
    } catch (e) {
      if (!(e instanceof LostRace)) throw e;
      if (input.version !== undefined || attempt >= MAX_ATTEMPTS) throw staleVersion();
    }
  }
}

const MAX_ATTEMPTS = 5;

/** The row changed between our read and our write. */
class LostRace extends Error {}

async function updateOnce(actor: SessionUser, ticketId: string, input: TUpdateTicket): Promise<TicketDTO> {
  const current = await loadTicketWithTagsFor(actor, ticketId);
  if (input.priority !== undefined || input.assigneeId !== undefined) {
    authorize(actor, "ticket:update:workflow", current);
  }
  // A requester may close and reopen their own ticket, nothing else (the policy decides which moves).
  if (input.status !== undefined && !statusChangeAllowed(actor, current, input.status)) {
    authorize(actor, "ticket:update:workflow", current);
  }
  if (input.title !== undefined) authorize(actor, "ticket:update:title", current);
  if (input.version !== undefined && input.version !== current.version) throw staleVersion();

  const changes: TicketChanges = {};
  if (input.status !== undefined && input.status !== current.status) {
    changes.status = { from: current.status, to: input.status };
  }
  if (input.priority !== undefined && input.priority !== current.priority) {
    changes.priority = { from: current.priority, to: input.priority };
  }
  if (input.title !== undefined && input.title !== current.title) {
    changes.title = { from: current.title, to: input.title };
  }
  if (input.assigneeId !== undefined && input.assigneeId !== current.assigneeId) {
    const to = input.assigneeId === null ? null : await findAssignable(input.assigneeId);
    changes.assignee = { from: current.assignee, to };
  }
  if (Object.keys(changes).length === 0) return toTicketDTO(current, audienceOf(actor));

  const event = await db().$transaction(async (tx) => {
    // The version in the WHERE makes the check and the write one atomic step.
    const { count } = await tx.ticket.updateMany({
      where: { id: ticketId, version: current.version },
      data: {
        status: changes.status?.to,
        priority: changes.priority?.to,
        title: changes.title?.to,
        assigneeId: changes.assignee ? (changes.assignee.to?.id ?? null) : undefined,
        version: { increment: 1 },
      },
    });
    if (count === 0) throw new LostRace();
    return recordEvent(tx, {
      ticketId,
      type: "ticket:updated",
      actor,
      data: async () => ({
        // Stored in staff numbering; viewEvent renumbers it for requesters.
        ticket: toTicketDTO(await tx.ticket.findUniqueOrThrow({ where: { id: ticketId }, include: ticketInclude }), "staff"),
        changes,
      }),
    });
  });
  announceCommitted();
  return viewEvent(event, audienceOf(actor)).data.ticket;
}

function staleVersion() {
  return new AppError("CONFLICT", "This ticket was changed by someone else; reload it and try again");
}

async function findAssignable(userId: string) {
  const user = await db().user.findUnique({ where: { id: userId }, select: { id: true, name: true, role: true, active: true } });
  if (!user || !mayBeAssigned(user)) {
    throw new AppError("VALIDATION", "Tickets can only be assigned to an active agent or admin", {
      assigneeId: ["Not an active agent or admin"],
    });
  }
  return { id: user.id, name: user.name };
}
