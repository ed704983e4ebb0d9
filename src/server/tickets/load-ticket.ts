import "server-only";
import { ID_PATTERN } from "../../shared/schemas/text";
import { db } from "../db";
import { AppError } from "../errors";
import { type Action, type Actor, authorize } from "../policy";
import { ticketInclude, ticketRefInclude } from "../serializers";

/**
 * Load a ticket and check `action` on it. Unknown and invisible tickets are
 * both NOT_FOUND, so ids cannot be probed. Without its tags: most callers
 * only check access (a comment, a draft, a file), and the tags are one more
 * query on those hot paths; loadTicketWithTagsFor is for callers that answer
 * with the ticket itself.
 */
export async function loadTicketFor(actor: Actor, ticketId: string, action: Action = "ticket:read") {
  assertTicketId(ticketId);
  return authorized(actor, action, await db().ticket.findUnique({ where: { id: ticketId }, include: ticketRefInclude }));
}

/** loadTicketFor, with what toTicketDTO shows (tags included), for answers that are the ticket. */
export async function loadTicketWithTagsFor(actor: Actor, ticketId: string, action: Action = "ticket:read") {
  assertTicketId(ticketId);
  return authorized(actor, action, await db().ticket.findUnique({ where: { id: ticketId }, include: ticketInclude }));
}

function assertTicketId(ticketId: string): void {
  // Ids arrive from URLs and sockets; one that cannot be an id names nothing
  // (and a NUL byte in it would fail in PostgreSQL as a 500).
  if (!ID_PATTERN.test(ticketId)) throw new AppError("NOT_FOUND", "Ticket not found");
}

function authorized<T extends { requesterId: string }>(actor: Actor, action: Action, ticket: T | null): T {
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found");
  authorize(actor, action, ticket);
  return ticket;
}
