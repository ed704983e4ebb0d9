import "server-only";
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../../generated/prisma/client";
import { prismaSql, type Sql } from "../db/sql";
import { type Coordinator, embeddedCoordinator, postgresCoordinator } from "./cluster-connection";
import { commitNotifier } from "./commit-notifier";
import { cursorStore } from "./cursor-store";
import { DEFAULT_BATCH_SIZE, type Processor } from "./processor";
import { type ProcessorRunner, runProcessor } from "./run-processor";
import { sharedReader } from "./shared-reader";
import type { Cursor } from "./stream";

export type Engine = {
  /**
   * Something committed in this process: this process's processors look now,
   * and on PostgreSQL the other processes' are told by a NOTIFY sent after
   * the commit (./commit-notifier.ts). Not `urgent`: this process delivered
   * it already (src/server/realtime/relay.ts), so its processors that read at
   * once (the relay) wait GATHER_MS too, and share that read.
   */
  wake(urgent?: boolean): void;
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
 * from the other processes and holds the cluster processors' leases; on the
 * embedded database this process is the only one. Either way each processor
 * also polls every `pollMs`, so a lost notification delays an event by at
 * most that.
 *
 * One wake-up per commit in each process: the committing process wakes its
 * own processors directly (`wake()`, called by the use case after its
 * commit) and sends a NOTIFY after the commit for the others, carrying this
 * process's token, so its own LISTEN ignores it (each wake-up costs a read of
 * the stream). Every use case that records an event calls `wake()` through
 * announceCommitted (src/server/events/publish.ts); one that did not would
 * be seen at the next poll. While the LISTEN connection is down, the others'
 * NOTIFYs are missed: on reconnecting, the processors look at once.
 * Processors of one process share their reads (./shared-reader.ts).
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
  /** How often the other listening processes are counted again (default 10 s; tests shorten it). */
  listenersRecountMs?: number;
}): Promise<Engine> {
  const runners: ProcessorRunner[] = [];
  const sql = deps.sql ?? prismaSql(deps.prisma);
  const reader = sharedReader({
    sql,
    limit: Math.max(...deps.processors.map((p) => p.batchSize ?? DEFAULT_BATCH_SIZE)),
    log: deps.log,
    onRead: deps.onStreamRead,
  });
  // Reads under way may have missed what just committed: processors woken now get a new one.
  const wakeAll = (urgent = true) => {
    reader.invalidate();
    runners.forEach((r) => r.wake(urgent));
  };
  // Which NOTIFYs are this process's own (it woke its processors already).
  const token = `${process.pid}:${randomBytes(8).toString("hex")}`;
  // The coordinator is asked only once a commit notifies, after both exist.
  const notifier = deps.databaseUrl ? commitNotifier({ sql, token, othersListening: () => coordinator.othersListening(), log: deps.log }) : undefined;
  const coordinator: Coordinator = deps.databaseUrl
    ? postgresCoordinator(deps.databaseUrl, {
        token,
        onNotify: () => wakeAll(),
        onReconnect: () => wakeAll(),
        // What committed here just before it listened may have gone unannounced.
        onListenerJoined: () => notifier?.notify(),
        log: deps.log,
        recountMs: deps.listenersRecountMs,
      })
    : embeddedCoordinator();
  const cursors = cursorStore({ prisma: deps.prisma, coordinator, everyMs: deps.cursorSaveMs ?? 1000, log: deps.log });
  for (const processor of deps.processors) {
    runners.push(await runProcessor(processor, { prisma: deps.prisma, coordinator, read: reader.read, cursors, pollMs: deps.pollMs, log: deps.log }));
  }
  return {
    wake: (urgent = true) => {
      wakeAll(urgent);
      notifier?.notify();
    },
    status: () => runners.map((r) => ({ name: r.name, cursor: r.cursor() })),
    lease: { acquire: (name) => coordinator.acquire(name), held: (name) => coordinator.held(name) },
    async close() {
      await Promise.all([...runners.map((r) => r.stop()), notifier?.drain()]);
      // Before the leases go: the next holder starts where these stopped.
      await cursors.close();
      await coordinator.close();
    },
  };
}
