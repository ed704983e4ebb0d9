import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import { prismaSql, type Sql } from "../db/sql";
import { type Coordinator, embeddedCoordinator, postgresCoordinator } from "./cluster-connection";
import { cursorStore } from "./cursor-store";
import { DEFAULT_BATCH_SIZE, type Processor } from "./processor";
import { type ProcessorRunner, runProcessor } from "./run-processor";
import { sharedReader } from "./shared-reader";
import type { Cursor } from "./stream";

export type Engine = {
  /**
   * Something committed in this process: every processor looks now. On
   * PostgreSQL, while the engine is listening, the commit's own NOTIFY wakes
   * them (see startEngine) and this does nothing.
   */
  wake(): void;
  status(): { name: string; cursor: Cursor | null }[];
  /**
   * The cluster leases the processors run under, for cluster work that is not
   * a processor of the stream (the mail worker): held by one process at a
   * time on PostgreSQL, always by this one on the embedded database.
   */
  lease: { acquire(name: string): Promise<boolean>; held(name: string): boolean };
  /** Stop the processors (each finishes its batch in hand), then release leases. */
  close(): Promise<void>;
};

/**
 * Start the event stream's processors for this process (see ./processor.ts).
 * On PostgreSQL (`databaseUrl`) a dedicated connection LISTENs for commits
 * from any process and holds the cluster processors' leases; on the embedded
 * database this process is the only one, and `wake()` is how commits announce
 * themselves. Either way each processor also polls every `pollMs`, so a lost
 * notification delays an event by at most that.
 *
 * One wake-up per commit: on PostgreSQL a commit in this process would
 * otherwise wake the processors twice (its NOTIFY comes back to this
 * process's own LISTEN as well as to the others', and the committing code
 * calls `wake()`), and each wake-up costs a read of the stream. So while the
 * LISTEN connection is up, `wake()` is left to the NOTIFY, which PostgreSQL
 * sends for every committed event to every listener, this process included,
 * no later than the commit's answer: nothing is slower for it. This relies
 * on every statement that takes an event's seq queuing the NOTIFY (as
 * record-event.ts does): one that did not would be seen by its own process
 * only at the next poll, as by the others. While the connection
 * is down (and until it first comes up), `wake()` wakes them itself; on
 * reconnecting, the processors look at once for what they missed.
 * Processors of one process then share their reads (./shared-reader.ts).
 */
export async function startEngine(deps: {
  prisma: PrismaClient;
  /** The stream's reads as prepared statements (src/server/db/sql.ts); by default Prisma raw queries on `prisma`. */
  sql?: Sql;
  databaseUrl?: string;
  processors: Processor[];
  pollMs: number;
  /** How soon after a batch its cluster processor's cursor is stored (default 1 s; see ./cursor-store.ts). */
  cursorSaveMs?: number;
  log(msg: string, e?: unknown): void;
  /** Called for each read of the stream sent to the database (metrics). */
  onStreamRead?(): void;
}): Promise<Engine> {
  const runners: ProcessorRunner[] = [];
  const reader = sharedReader({
    sql: deps.sql ?? prismaSql(deps.prisma),
    limit: Math.max(...deps.processors.map((p) => p.batchSize ?? DEFAULT_BATCH_SIZE)),
    log: deps.log,
    onRead: deps.onStreamRead,
  });
  // Reads under way may have missed what just committed: processors woken now get a new one.
  const wakeAll = () => {
    reader.invalidate();
    runners.forEach((r) => r.wake());
  };
  const coordinator: Coordinator = deps.databaseUrl
    ? postgresCoordinator(deps.databaseUrl, { onNotify: wakeAll, onReconnect: wakeAll, log: deps.log })
    : embeddedCoordinator();
  const cursors = cursorStore({ prisma: deps.prisma, coordinator, everyMs: deps.cursorSaveMs ?? 1000, log: deps.log });
  for (const processor of deps.processors) {
    runners.push(await runProcessor(processor, { prisma: deps.prisma, coordinator, read: reader.read, cursors, pollMs: deps.pollMs, log: deps.log }));
  }
  return {
    wake: () => {
      if (!coordinator.listening()) wakeAll();
    },
    status: () => runners.map((r) => ({ name: r.name, cursor: r.cursor() })),
    lease: { acquire: (name) => coordinator.acquire(name), held: (name) => coordinator.held(name) },
    async close() {
      await Promise.all(runners.map((r) => r.stop()));
      // Before the leases go: the next holder starts where these stopped.
      await cursors.close();
      await coordinator.close();
    },
  };
}
