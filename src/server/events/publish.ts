import "server-only";
import { runtime } from "../runtime";

/**
 * Announce that events were committed, so this process's processors (the
 * realtime relay first) look at the stream now instead of at their next poll.
 * Call after the transaction has committed. Nothing depends on it for
 * correctness: every committed event is in the stream, which the processors
 * of every process read; a process killed before this line loses nothing.
 * On PostgreSQL the commit's own NOTIFY wakes every process, this one
 * included, so while the engine listens this does nothing (one wake-up per
 * commit, see src/server/engine/start-engine.ts); it matters on the embedded
 * database, and on PostgreSQL while the LISTEN connection is down.
 */
export function announceCommitted(): void {
  runtime().wake?.();
}
