import "server-only";
import { runtime } from "../runtime";

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
 */
export function announceCommitted(): void {
  runtime().wake?.();
}
