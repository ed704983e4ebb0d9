/**
 * Single SQL statements on the hot paths (the session check every request and
 * socket makes, the access check, a comment), sent to the driver directly
 * instead of through the Prisma client.
 *
 * Why not Prisma there: Prisma 6.19's client engine compiles every ORM call
 * anew in WebAssembly and keeps no plan cache. Measured on this project's
 * 2-core machine against PostgreSQL, per call of the session check: ORM
 * `findFirst` 1.65 ms of CPU, `$queryRaw` 0.58 ms, the same statement on the
 * pg driver 0.19 ms, and as a named (prepared) statement 0.09 ms. A comment
 * made about ten such calls (bench/findings.md). Everything else stays on
 * Prisma; only statements whose cost is paid per request or per comment
 * belong here, each written once as a `Statement` beside its use case.
 *
 * Both databases run the same text: PostgreSQL through the same pg pool
 * Prisma uses (one set of connections, one size limit), and the embedded PGlite through its own client, whose `query`
 * waits for any transaction Prisma holds open on it (PGlite's transaction
 * mutex) and syncs the WAL to disk before it returns (durable-node-fs.ts).
 * A statement runs outside any transaction: one statement is atomic on its
 * own, which is why the hot writes are single statements (CTEs).
 *
 * Values: timestamps are passed as ISO strings and cast in SQL (the pg
 * driver would send a Date in the process's local time zone, and Prisma
 * stores `timestamp without time zone` in UTC); results avoid timestamp
 * columns for the same reason, or cast them to text.
 */
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import type { PrismaClient } from "../../generated/prisma/client";

/** One SQL statement with $1…$n placeholders, named so PostgreSQL prepares it once per connection. */
export type Statement = { readonly name: string; readonly text: string };

export type Sql = {
  /** Run one statement (outside any transaction) and return its rows. */
  query<Row>(statement: Statement, values: readonly unknown[]): Promise<Row[]>;
};

type OnQuery = (sql: string, ms: number) => void;

/** A statement; `name` must be unique in the process (PostgreSQL caches the plan by it per connection). */
export function statement(name: string, text: string): Statement {
  return { name, text };
}

/** On PostgreSQL: prepared statements on `pool`, the pool Prisma's adapter uses too. */
export function poolSql(pool: pg.Pool, onQuery?: OnQuery): Sql {
  return {
    async query<Row>(s: Statement, values: readonly unknown[]) {
      const start = performance.now();
      const result = await pool.query({ name: s.name, text: s.text, values: values as unknown[] });
      onQuery?.(s.text, performance.now() - start);
      return result.rows as Row[];
    },
  };
}

/** On the embedded database: PGlite's own client (serialized with Prisma's transactions by PGlite). */
export function pgliteSql(client: PGlite, onQuery?: OnQuery): Sql {
  return {
    async query<Row>(s: Statement, values: readonly unknown[]) {
      const start = performance.now();
      const result = await client.query<Row>(s.text, values as unknown[]);
      onQuery?.(s.text, performance.now() - start);
      return result.rows;
    },
  };
}

/**
 * Through a Prisma client's raw queries: for unit tests that hand use cases a
 * Prisma client over an in-memory database (tests/helpers/memory-db.ts), so
 * the same statements run there, counted by Prisma's query log.
 */
export function prismaSql(prisma: PrismaClient): Sql {
  return {
    query<Row>(s: Statement, values: readonly unknown[]) {
      return prisma.$queryRawUnsafe<Row[]>(s.text, ...values);
    },
  };
}
