import "server-only";
import type { Processor } from "../engine/processor";
import type { StreamEvent } from "../engine/stream";
import { type RecordedTicketEvent, viewEvent } from "../events/view-event";
import { deliveriesOf } from "../policy";
import type { TandemIO } from "./create-realtime-server";

export type RelayStats = {
  /** Milliseconds from the newest delivered event's time to its delivery. */
  lastLagMs: number | null;
};

/** The part of the Socket.IO server the relay emits through (this process's sockets only). */
export type LocalEmitter = Pick<TandemIO, "local">;

/**
 * How many tickets a process remembers the newest delivered event of (see
 * `deliverCommitted`). A ticket it has forgotten only goes back to delivery
 * by the stream read; a ticket with an event delivered at its commit and not
 * yet read back is never forgotten.
 */
export const REMEMBERED_TICKETS = 10_000;

export type Relay = {
  processor: Processor;
  stats(): RelayStats;
  /**
   * Deliver an event this process has just committed, now, instead of after
   * the stream read its commit wakes the relay for; true if it did. Only when
   * this process delivered the ticket's event before it (`seq - 1`), so each
   * ticket's events still reach this process's sockets in order; otherwise
   * false, and the stream read delivers it as it does every other event.
   */
  deliverCommitted(event: RecordedTicketEvent, requesterId: string): boolean;
};

/**
 * The realtime relay: a process-scope processor of the event stream. Every
 * process reads every committed event from the database and emits it to
 * its own sockets only (`io.local`), in each audience's numbering, to the
 * rooms the policy names (`deliveriesOf`).
 *
 * So delivery does not depend on the process that committed (killed right
 * after its commit, or stopping) nor on Redis (down, or dropping messages):
 * it depends only on the database, which holds the event anyway. The
 * adapter still carries what must reach other processes' sockets directly
 * (closing sessions), but no event.
 *
 * The committing process need not wait for the read, though: it has the
 * event in hand once its statement returns (a reply: src/server/comments/
 * add-comment.ts), and `deliverCommitted` emits it to its own sockets at
 * once, which saves every reply a stream read before anyone sees it (a round
 * trip to the database, and on the embedded database the read itself; the
 * read that follows within GATHER_MS is shared with the background
 * processors'). The stream read still comes, as for every event: it skips
 * what was delivered early (remembered per ticket until read) and delivers
 * everything else, so the other processes, and this one after a restart,
 * see exactly what they saw before.
 */
export function createRelay(io: LocalEmitter, onDelivered: (events: number, emits: number, lagSeconds: number[]) => void = () => undefined): Relay {
  // Counts live in the metrics (onDelivered); this keeps only what the status report shows.
  const stats: RelayStats = { lastLagMs: null };
  /**
   * Per ticket, the newest seq this process delivered, and the seqs it
   * delivered at their commit that the stream read has not reached yet.
   * Map order is recency (an entry is moved to the end when used).
   */
  const delivered = new Map<string, { seq: number; early: number[] }>();

  function emit(event: RecordedTicketEvent, requesterId: string): number {
    let emits = 0;
    for (const { audience, to, except } of deliveriesOf(event, requesterId)) {
      io.local.to(to).except(except).emit(event.type, viewEvent(event, audience) as never);
      emits++;
    }
    return emits;
  }

  function noteDelivered(ticketId: string, seq: number, early: boolean): void {
    const entry = delivered.get(ticketId) ?? { seq, early: [] };
    delivered.delete(ticketId);
    entry.seq = Math.max(entry.seq, seq);
    if (early) entry.early.push(seq);
    delivered.set(ticketId, entry);
    if (delivered.size <= REMEMBERED_TICKETS) return;
    // The least recently used ticket with nothing awaiting the stream read.
    for (const [id, e] of delivered) {
      if (e.early.length > 0) continue;
      delivered.delete(id);
      break;
    }
  }

  function reportLag(events: RecordedTicketEvent[], emits: number): void {
    if (events.length === 0) return;
    const now = Date.now();
    const lags = events.map((event) => Math.max(0, now - Date.parse(event.at)) / 1000);
    stats.lastLagMs = Math.round(lags[lags.length - 1]! * 1000);
    onDelivered(events.length, emits, lags);
  }

  const processor: Processor = {
    name: "realtime-relay",
    scope: "process",
    handle(batch: StreamEvent[]) {
      // Stream order is by transaction; within one ticket, position follows
      // seq (the ticket row is locked before the event is inserted), so
      // sorting by position emits each ticket's events in seq order.
      const events = batch
        .filter((e) => e.event !== null)
        .sort((a, b) => (a.cursor.position < b.cursor.position ? -1 : 1));
      let emits = 0;
      const sent: RecordedTicketEvent[] = [];
      for (const { event, requesterId } of events) {
        const early = delivered.get(event!.ticketId)?.early;
        const at = early?.indexOf(event!.seq) ?? -1;
        if (at >= 0) {
          // Delivered at its commit (deliverCommitted): not twice.
          early!.splice(at, 1);
          continue;
        }
        emits += emit(event!, requesterId);
        noteDelivered(event!.ticketId, event!.seq, false);
        sent.push(event!);
      }
      reportLag(sent, emits);
    },
  };

  return {
    processor,
    stats: () => ({ ...stats }),
    deliverCommitted(event, requesterId) {
      if (delivered.get(event.ticketId)?.seq !== event.seq - 1) return false;
      const emits = emit(event, requesterId);
      noteDelivered(event.ticketId, event.seq, true);
      reportLag([event], emits);
      return true;
    },
  };
}
