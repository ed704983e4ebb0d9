import "server-only";
import type { Processor } from "../engine/processor";
import type { StreamEvent } from "../engine/stream";
import { viewEvent } from "../events/view-event";
import { deliveriesOf } from "../policy";
import type { TandemIO } from "./create-realtime-server";

export type RelayStats = {
  /** Milliseconds from the newest delivered event's time to its delivery. */
  lastLagMs: number | null;
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
 */
export function createRelay(
  io: TandemIO,
  onDelivered: (events: number, emits: number, lagSeconds: number[]) => void = () => undefined,
): { processor: Processor; stats(): RelayStats } {
  // Counts live in the metrics (onDelivered); this keeps only what the status report shows.
  const stats: RelayStats = { lastLagMs: null };
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
      for (const { event, requesterId } of events) {
        for (const { audience, to, except } of deliveriesOf(event!, requesterId)) {
          io.local.to(to).except(except).emit(event!.type, viewEvent(event!, audience) as never);
          emits++;
        }
      }
      if (events.length) {
        const now = Date.now();
        const lags = events.map(({ event }) => Math.max(0, now - Date.parse(event!.at)) / 1000);
        stats.lastLagMs = Math.round(lags[lags.length - 1]! * 1000);
        onDelivered(events.length, emits, lags);
      }
    },
  };
  return { processor, stats: () => ({ ...stats }) };
}
