import "server-only";
import type { TicketDTO } from "../../shared/dto";
import { db } from "../db";
import { type Actor, audienceOf, isUnreadFor } from "../policy";
import { toTicketDTO } from "../serializers";
import { loadTicketWithTagsFor } from "./load-ticket";

/**
 * One ticket, if `actor` may see it, with whether it is unread for them (a
 * list adding a row it learnt of live asks here: see ticket-list.tsx).
 */
export async function getTicket(actor: Actor, ticketId: string): Promise<TicketDTO> {
  const ticket = await loadTicketWithTagsFor(actor, ticketId);
  const read = await db().ticketRead.findUnique({ where: { userId_ticketId: { userId: actor.id, ticketId } }, select: { seq: true } });
  return { ...toTicketDTO(ticket, audienceOf(actor)), unread: isUnreadFor(actor, ticket, read?.seq ?? 0) };
}
