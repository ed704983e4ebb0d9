import "server-only";
import type { TicketDTO } from "../../shared/dto";
import { db } from "../db";
import { type Actor, audienceOf, isUnreadFor } from "../policy";
import { toTicketDTO } from "../serializers";
import { loadTicketWithTagsFor } from "./load-ticket";

/**
 * One ticket, if `actor` may see it. With `unread`, also whether it is
 * unread for them, as a list row has it (a list adding a row it learnt of
 * live asks for it: see ticket-list.tsx); without, the ticket as POST and
 * PATCH answer it.
 */
export async function getTicket(actor: Actor, ticketId: string, opts: { unread?: boolean } = {}): Promise<TicketDTO> {
  const ticket = await loadTicketWithTagsFor(actor, ticketId);
  const dto = toTicketDTO(ticket, audienceOf(actor));
  if (!opts.unread) return dto;
  const read = await db().ticketRead.findUnique({ where: { userId_ticketId: { userId: actor.id, ticketId } }, select: { seq: true } });
  return { ...dto, unread: isUnreadFor(actor, ticket, read?.seq ?? 0) };
}
