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
import { parse, type PGlite, protocol } from "@electric-sql/pglite";
import type pg from "pg";
import type { PrismaClient } from "../../generated/prisma/client";
import { durableSync } from "./durable-node-fs";

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

/**
 * PGlite's internals this relies on (its methods are public in JavaScript,
 * underscored by convention; package.json pins PGlite's exact version and
 * src/server/db/sql.test.ts runs every path here against the real thing).
 */
type PGliteInternals = PGlite & {
  _checkReady(): Promise<void>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
  serializers: Record<number, (value: unknown) => string>;
  parsers: Record<number, (value: string, typeId: number) => unknown>;
};

/**
 * On the embedded database: named prepared statements on PGlite's own client.
 *
 * PGlite's `query()` prepares every statement anew: an unnamed Parse, then
 * Describe, Bind, Describe, Execute and Sync as five calls into the
 * WebAssembly PostgreSQL, each planned again. Measured here on the session
 * check (2,000 calls on a seeded database): 0.8–1.2 ms of CPU per call
 * through `query()`, 0.15–0.2 ms as a named statement whose Bind, Describe,
 * Execute and Sync go in as one message (PostgreSQL plans it once and keeps
 * a generic plan, as a real server does for the pg pool's named statements).
 * The first call of each statement parses it under its name and asks for its
 * parameter types, which the values are then serialized by, as `query()`
 * does.
 *
 * Everything else is what `query()` does: wait for any transaction Prisma
 * holds open on the client (PGlite's transaction mutex), run alone (its query
 * mutex), and sync the WAL to disk before returning (durable-node-fs.ts),
 * though the sync is waited for outside the query mutex (below). A
 * failing statement's Sync is in the same message, so the session is ready
 * for the next one either way.
 */
const preparedOn = new WeakMap<PGlite, Map<string, number[]>>();

export function pgliteSql(client: PGlite, onQuery?: OnQuery): Sql {
  const db = client as PGliteInternals;
  const { serialize } = protocol;
  // Parameter types of the statements prepared on this client, by name: kept
  // with the client, since its session holds the statements whoever made them.
  let prepared = preparedOn.get(client);
  if (!prepared) preparedOn.set(client, (prepared = new Map()));
  const run = (...messages: Uint8Array[]) => db.execProtocolStream(concat(messages), { syncToFs: false });
  const durable = durableSync(client);
  return {
    async query<Row>(s: Statement, values: readonly unknown[]) {
      const start = performance.now();
      await db._checkReady();
      const rows = await db._runExclusiveTransaction(() =>
        db._runExclusiveQuery(async () => {
          let types = prepared.get(s.name);
          if (!types) {
            const described = await run(serialize.parse({ name: s.name, text: s.text }), serialize.describe({ type: "S", name: s.name }), serialize.sync());
            types = parse.parseDescribeStatementResults(described);
            prepared.set(s.name, types);
          }
          const params = values.map((v, i) => {
            if (v === null || v === undefined) return null;
            const serializer = db.serializers[types[i]!];
            return serializer ? serializer(v) : String(v);
          });
          const messages = await run(serialize.bind({ statement: s.name, values: params }), serialize.describe({ type: "P" }), serialize.execute({}), serialize.sync());
          return parse.parseResults(messages, db.parsers)[0]!.rows as Row[];
        }),
      );
      // A group commit: the statement's writes are on disk before its result
      // is returned, as before, but the sync is waited for after PGlite's
      // query lock is released, so the next statements run meanwhile and
      // those that finish during one sync share the next (durable() starts
      // a sync only after every write it must cover). Inside the lock every
      // writer queued behind each fsync: 20 writers on one ticket took
      // 226–293 acknowledged/s, now 436–634/s, and one reply at a time costs
      // the same CPU (bench/findings.md, twenty-first round). Whatever reads
      // a row before its sync ends waits for that sync too before it
      // returns (its own durable() call, or PGlite's inside its lock).
      await durable();
      onQuery?.(s.text, performance.now() - start);
      return rows;
    },
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
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
