import "server-only";
import { ID_PATTERN } from "../../shared/schemas/text";
import { db } from "../db";
import { AppError } from "../errors";
import { type Action, type Actor, authorize } from "../policy";
import { ticketInclude } from "../serializers";

/**
 * Load a ticket and check `action` on it. Unknown and invisible tickets are
 * both NOT_FOUND, so ids cannot be probed.
 */
export async function loadTicketFor(actor: Actor, ticketId: string, action: Action = "ticket:read") {
  // Ids arrive from URLs and sockets; one that cannot be an id names nothing
  // (and a NUL byte in it would fail in PostgreSQL as a 500).
  if (!ID_PATTERN.test(ticketId)) throw new AppError("NOT_FOUND", "Ticket not found");
  const ticket = await db().ticket.findUnique({ where: { id: ticketId }, include: ticketInclude });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found");
  authorize(actor, action, ticket);
  return ticket;
}
