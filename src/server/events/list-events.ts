import "server-only";
import type { AnyTicketEvent } from "../../shared/realtime";
import { db } from "../db";
import { type Actor, can } from "../policy";
import { loadTicketFor } from "../tickets/load-ticket";

/** Cap on one replay; a client further behind reloads the ticket instead. */
export const MAX_REPLAY = 500;

/**
 * A ticket's events after `afterSeq`, oldest first, as `actor` may see them
 * (internal ones only for staff). Used for the activity timeline and to replay
 * what a client missed while disconnected.
 */
export async function listTicketEvents(
  actor: Actor,
  ticketId: string,
  afterSeq = 0,
): Promise<{ seq: number; events: AnyTicketEvent[]; truncated: boolean }> {
  const ticket = await loadTicketFor(actor, ticketId);
  // Nothing lies beyond the newest seq. Answering here also keeps a huge
  // afterSeq (`?after=99999999999`) out of the query, where it would overflow
  // Postgres' integer column.
  if (afterSeq >= ticket.lastSeq) return { seq: ticket.lastSeq, events: [], truncated: false };
  const rows = await db().ticketEvent.findMany({
    where: {
      ticketId,
      seq: { gt: afterSeq },
      ...(can(actor, "comment:internal:read", ticket) ? {} : { internal: false }),
    },
    include: { actor: { select: { id: true, name: true } } },
    orderBy: { seq: "asc" },
    take: MAX_REPLAY + 1,
  });
  const events = rows.slice(0, MAX_REPLAY).map(
    (r) =>
      ({
        ticketId: r.ticketId,
        seq: r.seq,
        at: r.createdAt.toISOString(),
        actor: { id: r.actor.id, name: r.actor.name },
        type: r.type,
        data: r.payload,
      }) as AnyTicketEvent,
  );
  return { seq: ticket.lastSeq, events, truncated: rows.length > MAX_REPLAY };
}
