import "server-only";
import type { Sql } from "../db/sql";
import { type Cursor, readStreamBatch, type StreamEvent } from "./stream";

/** One read of the stream: up to the reader's limit of events, `pending` as in readStreamBatch, and whether the limit was reached (more may follow). */
export type StreamRead = { events: StreamEvent[]; pending: boolean; full: boolean };

export type SharedReader = {
  /** The events after `after` (see readStreamBatch), from a read that started after the latest `invalidate()`. */
  read(after: Cursor): Promise<StreamRead>;
  /** Something committed: a read already under way may have missed it, so later callers get a new one. */
  invalidate(): void;
};

/**
 * The stream reads of one process's processors, shared: a commit wakes them
 * all at once, and they usually stand at the same cursor (the relay and the
 * cluster processors all follow the head), so instead of each running the
 * same query, the first to ask starts it and the others asking for the same
 * cursor meanwhile get its answer (and its parsed events: one zod parse per
 * event and process, not one per processor). Handlers must not mutate the
 * events they are handed (none does).
 *
 * Sharing never hides a commit: a read is shared only until the next
 * `invalidate()`, which the engine calls before it wakes the processors, so
 * a processor woken by a commit always gets a read that started after it.
 * Only reads in flight are shared; nothing is cached once answered.
 */
export function sharedReader(deps: {
  /** Where the stream is read (src/server/db/sql.ts). */
  sql: Sql;
  /** Events per read: the largest batch any processor takes. */
  limit: number;
  log(msg: string, e?: unknown): void;
  /** Called once per statement actually sent (for metrics and tests). */
  onRead?(): void;
}): SharedReader {
  let generation = 0;
  const inFlight = new Map<string, { generation: number; answer: Promise<StreamRead> }>();
  return {
    read(after) {
      const key = `${after.txId}:${after.position}`;
      const current = inFlight.get(key);
      if (current && current.generation === generation) return current.answer;
      deps.onRead?.();
      const answer = readStreamBatch(deps.sql, after, deps.limit, (e, row) =>
        deps.log(`event stream: event ${row.ticketId}#${row.seq} is unreadable and was skipped`, e),
      ).then(({ events, pending }) => ({ events, pending, full: events.length >= deps.limit }));
      const entry = { generation, answer };
      inFlight.set(key, entry);
      const forget = () => {
        if (inFlight.get(key) === entry) inFlight.delete(key);
      };
      answer.then(forget, forget);
      return answer;
    },
    invalidate() {
      generation++;
    },
  };
}
