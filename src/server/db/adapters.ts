/**
 * Driver-adapter factories for the two databases Tandem runs on. Shared by the
 * app's Prisma client (src/server/db/client.ts) and by the Prisma CLI
 * (prisma.config.ts), so migrations and queries always go through the same
 * driver. Deliberately free of `server-only`: the CLI loads this file outside
 * Next's bundler.
 */
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { DurableNodeFS, syncAfterTransactions } from "./durable-node-fs";
import { keepAdapterParsers } from "./pglite-parsers";
import { pgliteWasmModule } from "./pglite-wasm";

/** OIDs of PostgreSQL built-in types the pg adapter cannot map (see below). */
const NAME_OID = 19;
const TEXT_OID = 25;

/**
 * A pg client that reports `name` columns as `text`.
 *
 * Prisma's JS schema engine introspects `pg_catalog`, whose identifier columns
 * have type `name`; `@prisma/adapter-pg` 6.x has no mapping for that OID and
 * every `migrate` command fails with "Column type 'name'" (upstream
 * prisma/orm#27403). A `name` value travels over the wire as plain text, so
 * relabelling the field as `text` before the adapter reads it is lossless.
 * Only the migrate adapter uses this client; the app's runtime client does not
 * need it.
 */
class NameAsTextClient extends pg.Client {
  // pg's overloads are not expressible on a subclass. Both forms are used:
  // Pool#query passes a callback, pooled clients in transactions use promises.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args.at(-1);
    if (typeof last === "function") {
      args[args.length - 1] = (err: Error | null, res: pg.QueryResult) => last(err, err ? res : relabel(res));
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = (super.query as (...a: any[]) => any)(...args);
    return result && typeof result.then === "function" ? result.then(relabel) : result;
  }
}

function relabel(res: pg.QueryResult | pg.QueryResult[] | undefined) {
  for (const r of Array.isArray(res) ? res : res ? [res] : []) {
    for (const field of r.fields ?? []) {
      if (field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
    }
  }
  return res;
}

/** The connection pool for PostgreSQL at `url`, for the app at run time. */
export function createPostgresPool(url: string, max = 10) {
  // Without a connect timeout, a PostgreSQL that stops answering (rather than
  // refusing) would hang every request and health check instead of failing them.
  return new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
}

/**
 * Adapter factory over `pool` (by default a new one for `url`), for the app at
 * run time. The app hands it the pool its direct statements use too
 * (src/server/db/sql.ts), so both share one set of connections.
 */
export function createPostgresAdapter(url: string, max = 10, pool = createPostgresPool(url, max)) {
  return new PrismaPg(pool, { disposeExternalPool: true });
}

/** Adapter factory for PostgreSQL at `url`, for the Prisma CLI's schema engine. */
export function createPostgresMigrationAdapter(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2, Client: NameAsTextClient });
  const factory = new PrismaPg(pool, { disposeExternalPool: true });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => wholeScripts(await connect(), pool);
  return factory;
}

type ScriptRunner = { executeScript(script: string): Promise<void> };

/**
 * Make `adapter` send a migration script to PostgreSQL in one piece.
 *
 * `@prisma/adapter-pg` 6.x splits scripts on every `;` and runs the pieces one
 * by one, which cuts a PL/pgSQL function body (the search triggers of
 * 20261205030000_search) or a comment containing a semicolon in half. One
 * simple-protocol query runs a multi-statement script as PostgreSQL's psql
 * and PGlite's `exec` (the embedded adapter) do, and as one implicit
 * transaction, so a failing migration leaves nothing half-applied.
 */
function wholeScripts<T extends ScriptRunner>(adapter: T, pool: pg.Pool): T {
  const original = adapter.executeScript.bind(adapter);
  const onError = (adapter as unknown as { onError?: (e: unknown) => never }).onError?.bind(adapter);
  adapter.executeScript = async (script: string) => {
    // A script with no parameters is sent with the simple query protocol, which accepts many statements.
    if (!script.includes(";")) return original(script);
    try {
      await pool.query(script);
    } catch (e) {
      if (onError) onError(e);
      throw e;
    }
  };
  return adapter;
}

/** The directory that holds the embedded database inside DATA_DIR. */
export function pgliteDir(dataDir: string) {
  return path.join(path.resolve(dataDir), "pglite");
}

/**
 * The contrib extensions the migrations create, which PGlite loads only when
 * asked: pg_trgm (typo-tolerant search, migration 20261205030000_search).
 * Every PGlite that runs the migrations (the app, `prisma migrate deploy`,
 * in-memory test databases) is created with these.
 */
export const PGLITE_EXTENSIONS = { pg_trgm };

/** Open (creating if needed) the embedded database and wrap it for Prisma. */
export async function openPglite(dataDir: string) {
  const dir = pgliteDir(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  // PGlite's own Node filesystem never fsyncs; see durable-node-fs.ts.
  // The app and `prisma migrate deploy` both open the database here, so both have the extensions.
  // The module with a smaller buffer cache (see pglite-wasm.ts): about 110 MB less resident memory.
  // Only the result parsers Prisma can use (see pglite-parsers.ts): about 0.1 ms less CPU per query.
  const client = keepAdapterParsers(
    syncAfterTransactions(await PGlite.create({ fs: new DurableNodeFS(dir), extensions: PGLITE_EXTENSIONS, wasmModule: await pgliteWasmModule() })),
  );
  // pglite-prisma-adapter 0.6 is typed against driver-adapter-utils 6.10, whose
  // ArgType shape differs from 6.19's; it ignores argTypes at run time (PGlite
  // infers parameter types), so only the declaration is out of date.
  const adapter = new PrismaPGlite(client) as unknown as SqlMigrationAwareDriverAdapterFactory;
  return { client, adapter };
}
