import "server-only";
import type { StreamEvent } from "./stream";

/**
 * A consumer of the event stream (see ./run-processor.ts for the guarantees).
 *
 * - `process` scope: every process runs its own copy, from the stream's head
 *   when the process starts; its cursor lives in memory. The realtime relay
 *   is one: each process delivers every committed event to its own sockets,
 *   so delivery needs neither the committing process to survive nor Redis.
 *   A socket that connects later catches up through its join ack instead.
 * - `cluster` scope: one process at a time runs it (a PostgreSQL advisory
 *   lock; on the embedded database there is only one process), from a cursor
 *   stored in `ProcessorCursor`, so nothing is skipped across restarts,
 *   deploys or failover. For notifications, search indexing, webhooks.
 *
 * Delivery is at least once: a batch whose handler threw, or whose process
 * died before its cursor was stored, is handed over again. Handlers must be
 * idempotent (key their effects on ticketId + seq).
 */
export type Processor = {
  /** Stable name: the stored cursor's key and the lock's name. */
  name: string;
  scope: "process" | "cluster";
  /** Handle events in stream order; throw to have the same batch retried. */
  handle(batch: StreamEvent[]): Promise<void> | void;
  /** Most events per batch (default DEFAULT_BATCH_SIZE). */
  batchSize?: number;
  /**
   * How long a wake-up (a commit) waits before the stream is read, so that
   * whatever else commits meanwhile goes in the same batch (default 0: read
   * at once). See GATHER_MS.
   */
  gatherMs?: number;
};

export const DEFAULT_BATCH_SIZE = 200;

/**
 * The gathering window of the background processors (search index,
 * notifications, mail): a commit wakes them this much later, and every
 * commit in between goes in the same batch. Their statements take a batch as
 * easily as one event, so under load they cost a statement per window
 * rather than per reply (bench/findings.md, seventeenth round), and nobody
 * waits on them: a notification or a queued mail a tenth of a second later
 * is not noticed, and a search waits for the index anyway
 * (src/server/search/index-lag.ts). The realtime relay, which people do
 * wait on, reads at once.
 */
export const GATHER_MS = 100;
