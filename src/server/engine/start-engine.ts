import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import { type Coordinator, embeddedCoordinator, postgresCoordinator } from "./cluster-connection";
import type { Processor } from "./processor";
import { type ProcessorRunner, runProcessor } from "./run-processor";
import type { Cursor } from "./stream";

export type Engine = {
  /** Something committed in this process: every processor looks now. */
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
 */
export async function startEngine(deps: {
  prisma: PrismaClient;
  databaseUrl?: string;
  processors: Processor[];
  pollMs: number;
  log(msg: string, e?: unknown): void;
}): Promise<Engine> {
  const runners: ProcessorRunner[] = [];
  const wakeAll = () => runners.forEach((r) => r.wake());
  const coordinator: Coordinator = deps.databaseUrl
    ? postgresCoordinator(deps.databaseUrl, { onNotify: wakeAll, onReconnect: wakeAll, log: deps.log })
    : embeddedCoordinator();
  for (const processor of deps.processors) {
    runners.push(await runProcessor(processor, { prisma: deps.prisma, coordinator, pollMs: deps.pollMs, log: deps.log }));
  }
  return {
    wake: wakeAll,
    status: () => runners.map((r) => ({ name: r.name, cursor: r.cursor() })),
    lease: { acquire: (name) => coordinator.acquire(name), held: (name) => coordinator.held(name) },
    async close() {
      await Promise.all(runners.map((r) => r.stop()));
      await coordinator.close();
    },
  };
}
