import "server-only";
import { runtime } from "../runtime";
import type { RecordedTicketEvent } from "./view-event";

/**
 * Announce that events were committed, so the processors (the realtime relay
 * first) look at the stream now instead of at their next poll: this
 * process's directly, the other processes' through a NOTIFY sent now, after
 * the commit (src/server/engine/commit-notifier.ts). Call it after the
 * transaction has committed, from every use case that records an event.
 * Nothing depends on it for correctness: every committed event is in the
 * stream, which the processors of every process read at least every
 * ENGINE_POLL_MS; a process killed before this line delays the others by
 * that much and loses nothing.
 *
 * `committed`: the event, when the use case has it in hand as stored (a
 * reply's one statement). This process's sockets then get it now, without
 * waiting for the relay's read of the stream, when the relay can tell it is
 * next in its ticket's order (src/server/realtime/relay.ts); the relay's read
 * then waits for the background processors' and is shared with it.
 */
export function announceCommitted(committed?: { event: RecordedTicketEvent; requesterId: string }): void {
  const rt = runtime();
  const delivered = committed !== undefined && rt.deliverCommitted?.(committed.event, committed.requesterId) === true;
  rt.wake?.(!delivered);
}
