import "server-only";
import { runtime } from "../runtime";

/**
 * Announce that events were committed, so this process's processors (the
 * realtime relay first) look at the stream now instead of at their next poll.
 * Call after the transaction has committed. Nothing depends on it for
 * correctness: every committed event is in the stream, which the processors
 * of every process read (other processes are woken by PostgreSQL's NOTIFY,
 * sent by the commit itself); a process killed before this line loses
 * nothing.
 */
export function announceCommitted(): void {
  runtime().wake?.();
}
