/**
 * Opens the database for this process: PostgreSQL when DATABASE_URL is set,
 * otherwise the embedded PGlite in DATA_DIR guarded by a lock file so that a
 * second process cannot open (and corrupt) the same directory (see lockDataDir).
 */
import { PrismaClient } from "../../generated/prisma/client";
import type { Env } from "../env";
import { createPostgresAdapter, createPostgresPool, openPglite } from "./adapters";
import { pgliteSql, poolSql, type Sql } from "./sql";
import { lockDataDir } from "./data-dir-lock";

export { lockDataDir };

export type Database = {
  prisma: PrismaClient;
  /** The hot paths' direct statements, on the same connections (see sql.ts). */
  sql: Sql;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
};


/**
 * Open the Prisma client. For PGlite the caller must already hold the DATA_DIR
 * lock. `onQuery` hears each query's SQL and duration (ms), for metrics.
 */
export async function openDatabase(env: Env, onQuery?: (sql: string, ms: number) => void): Promise<Database> {
  const log = onQuery ? [{ emit: "event" as const, level: "query" as const }] : [];
  const observe = (prisma: PrismaClient) => {
    // Typed for clients constructed with this log option only; the events are there at run time.
    type QueryEvents = { $on(event: "query", cb: (e: { query: string; duration: number }) => void): void };
    if (onQuery) (prisma as unknown as QueryEvents).$on("query", (e) => onQuery(e.query, e.duration));
    return prisma;
  };
  if (env.DATABASE_URL) {
    const pool = createPostgresPool(env.DATABASE_URL);
    const prisma = observe(new PrismaClient({ adapter: createPostgresAdapter(env.DATABASE_URL, undefined, pool), log }));
    await prisma.$connect();
    return { prisma, sql: poolSql(pool, onQuery), kind: "postgres", close: () => prisma.$disconnect() };
  }
  const { client, adapter } = await openPglite(env.dataDir);
  const prisma = observe(new PrismaClient({ adapter, log }));
  return {
    prisma,
    sql: pgliteSql(client, onQuery),
    kind: "pglite",
    async close() {
      await prisma.$disconnect();
      await client.close();
    },
  };
}
