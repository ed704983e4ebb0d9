import "server-only";
import { db } from "../db";
import { AppError } from "../errors";
import { type Action, type Actor, authorize } from "../policy";
import { ticketInclude } from "../serializers";

/**
 * Load a ticket and check `action` on it. Unknown and invisible tickets are
 * both NOT_FOUND, so ids cannot be probed.
 */
export async function loadTicketFor(actor: Actor, ticketId: string, action: Action = "ticket:read") {
  const ticket = await db().ticket.findUnique({ where: { id: ticketId }, include: ticketInclude });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found");
  authorize(actor, action, ticket);
  return ticket;
}
