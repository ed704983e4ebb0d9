import "server-only";
import type { AnyTicketEvent } from "../../shared/realtime";
import { db } from "../db";
import { type Actor, audienceOf } from "../policy";
import { loadTicketFor } from "../tickets/load-ticket";
import { fromStoredRow, storedEventSelect } from "./stored-event";
import { lastSeqFor, viewEvent } from "./view-event";

/** Cap on one replay; a client further behind reloads the ticket instead. */
export const MAX_REPLAY = 500;

/**
 * A ticket's events after `afterSeq`, oldest first, as `actor` may see them
 * and numbered in `actor`'s numbering (staff: every event by `seq`;
 * requesters: public events only, by `publicSeq`, so a page never has a gap
 * nor comes back empty because of an internal note). Used for the activity
 * timeline and to replay what a client missed while disconnected.
 */
export async function listTicketEvents(
  actor: Actor,
  ticketId: string,
  afterSeq = 0,
): Promise<{ seq: number; events: AnyTicketEvent[]; truncated: boolean }> {
  const ticket = await loadTicketFor(actor, ticketId);
  const audience = audienceOf(actor);
  const last = lastSeqFor(ticket, audience);
  // Nothing lies beyond the newest seq. Answering here also keeps a huge
  // afterSeq (`?after=99999999999`) out of the query, where it would overflow
  // Postgres' integer column.
  if (afterSeq >= last) return { seq: last, events: [], truncated: false };
  const rows = await db().ticketEvent.findMany({
    where:
      audience === "staff"
        ? { ticketId, seq: { gt: afterSeq } }
        : // publicSeq is null exactly for internal events; `internal: false` says so twice.
          { ticketId, publicSeq: { gt: afterSeq }, internal: false },
    select: storedEventSelect,
    orderBy: audience === "staff" ? { seq: "asc" } : { publicSeq: "asc" },
    take: MAX_REPLAY + 1,
  });
  const events = rows.slice(0, MAX_REPLAY).map((r) => viewEvent<AnyTicketEvent>(fromStoredRow(r), audience));
  return { seq: last, events, truncated: rows.length > MAX_REPLAY };
}
