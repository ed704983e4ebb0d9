import "server-only";
import type { SessionUser } from "../../shared/dto";
import { db } from "../db";
import { lastSeqFor } from "../events/view-event";
import { countUnread } from "../notifications/list-notifications";
import { audienceOf, notificationScope } from "../policy";
import { runtime } from "../runtime";
import { loadTicketFor } from "./load-ticket";

/**
 * The actor has seen a ticket up to `seq` in their numbering. Never moves the
 * mark back (two tabs may report out of order) nor past the ticket's newest
 * event; the user's other tabs clear the row's unread mark.
 *
 * Their notifications of what they have now seen on it are read too (as in
 * Zendesk or Chatwoot, opening the conversation clears its alerts): reading
 * the ticket from the list, not the bell, used to leave the bell counting
 * replies the user had read. A notification is numbered by the event it
 * came from in staff numbering; a requester's seq is matched through the
 * event's public number.
 */
export async function markRead(actor: SessionUser, ticketId: string, seq: number): Promise<{ ticketId: string; seq: number }> {
  const ticket = await loadTicketFor(actor, ticketId);
  const upTo = Math.min(seq, lastSeqFor(ticket, audienceOf(actor)));
  const [row] = await db().$queryRaw<{ seq: number }[]>`
    INSERT INTO "TicketRead" ("userId", "ticketId", "seq", "readAt")
    VALUES (${actor.id}, ${ticketId}, ${upTo}, now())
    ON CONFLICT ("userId", "ticketId") DO UPDATE
      SET "seq" = GREATEST("TicketRead"."seq", EXCLUDED."seq"), "readAt" = EXCLUDED."readAt"
    RETURNING "seq"`;
  const read = { ticketId, seq: Number(row!.seq) };
  runtime().toUser?.(actor.id, "ticket:read", read);
  // Usually none, or the few about this ticket: read them, then match.
  const unread = await db().notification.findMany({ where: { ...notificationScope(actor), ticketId, readAt: null }, select: { id: true, seq: true } });
  if (unread.length === 0) return read;
  let seenSeqs: Set<number>;
  if (audienceOf(actor) === "staff") seenSeqs = new Set(unread.filter((n) => n.seq <= read.seq).map((n) => n.seq));
  else {
    const events = await db().ticketEvent.findMany({ where: { ticketId, seq: { in: unread.map((n) => n.seq) }, publicSeq: { lte: read.seq } }, select: { seq: true } });
    seenSeqs = new Set(events.map((e) => e.seq));
  }
  const ids = unread.filter((n) => seenSeqs.has(n.seq)).map((n) => n.id);
  if (ids.length === 0) return read;
  const { count } = await db().notification.updateMany({ where: { id: { in: ids }, readAt: null }, data: { readAt: new Date() } });
  if (count > 0) runtime().toUser?.(actor.id, "notification:read", { ids, unread: await countUnread(actor) });
  return read;
}
