import "server-only";
import type { AnyTicketEvent, TicketJoinAck } from "../../shared/realtime";
import { ZTicketJoin } from "../../shared/realtime";
import type { ErrorInfo } from "../../shared/errors";
import { AUDIENCE_CHANGED_MESSAGE, lastSeqFor, MAX_REPLAY } from "../events/view-event";
import { type Actor, audienceOf, ticketRoom } from "../policy";

const RESYNC: TicketJoinAck = { ok: false, error: { code: "RESYNC", message: "Too far behind; fetch the missed events, then join again" } };

/** What joining needs, passed in so the use case runs in-process in tests. */
export type JoinDeps = {
  /** The ticket if `actor` may read it (throws NOT_FOUND otherwise). */
  loadTicket(actor: Actor, ticketId: string): Promise<{ lastSeq: number; lastPublicSeq: number }>;
  /** Events after `afterSeq` in `actor`'s numbering, at most a page. */
  listEvents(actor: Actor, ticketId: string, afterSeq: number): Promise<{ seq: number; events: AnyTicketEvent[]; truncated: boolean }>;
  /** Count the ticket against the socket's room cap (before any database work); false at the cap. */
  reserve(ticketId: string): boolean;
  /** Join the room / leave it and give back the reservation. */
  join(room: string): Promise<void>;
  leave(room: string, ticketId: string): Promise<void>;
  describeError(e: unknown): ErrorInfo;
  tooManyRooms(): TicketJoinAck;
};

/**
 * `ticket:join`: follow a ticket live. Authorize first; join the audience's
 * room before reading the log, so no event can fall between the two: one
 * committed before the read is in the ack, one after it reaches the room
 * (both, at worst: the client applies each seq once). The ack carries what
 * the client missed since `sinceSeq`, so a client learns of a missing tail
 * (events after the last one it got) whenever it (re)joins, not only of gaps.
 */
export async function joinTicket(actor: Actor, payload: unknown, deps: JoinDeps): Promise<TicketJoinAck> {
  const parsed = ZTicketJoin.safeParse(payload);
  if (!parsed.success) return { ok: false, error: { code: "VALIDATION", message: "Invalid ticket:join payload" } };
  const { ticketId, sinceSeq, audience } = parsed.data;
  const room = ticketRoom(actor, ticketId);
  if (!deps.reserve(ticketId)) return deps.tooManyRooms();
  try {
    const ticket = await deps.loadTicket(actor, ticketId);
    // The page was loaded under another role: its seqs are another
    // numbering, and read as this one they would skip or repeat events.
    if (audience !== undefined && audience !== audienceOf(actor)) {
      await deps.leave(room, ticketId);
      return { ok: false, error: { code: "AUDIENCE_CHANGED", message: AUDIENCE_CHANGED_MESSAGE } };
    }
    // Each audience's numbering has no gaps, so a client more than a page
    // behind is known to be without reading the page (which was about a third
    // of a 1,000-event catch-up's time, for nothing).
    if (sinceSeq !== undefined && lastSeqFor(ticket, audienceOf(actor)) - sinceSeq > MAX_REPLAY) {
      await deps.leave(room, ticketId);
      return RESYNC;
    }
    await deps.join(room);
    // Without sinceSeq the client has just loaded the ticket: it still gets
    // whatever committed between that load and the join.
    const { seq, events, truncated } = await deps.listEvents(actor, ticketId, sinceSeq ?? lastSeqFor(ticket, audienceOf(actor)));
    if (truncated) {
      // Not joined after all: the client catches up over HTTP, then joins again.
      await deps.leave(room, ticketId);
      return RESYNC;
    }
    return { ok: true, seq, missed: events };
  } catch (e) {
    await deps.leave(room, ticketId);
    return { ok: false, error: deps.describeError(e) };
  }
}
