/**
 * An in-memory PGlite database with the project's migrations applied, behind
 * the real Prisma client: for unit tests of code that takes a Prisma client or
 * transaction (no server, no files).
 *
 * A new PGlite runs PostgreSQL's initdb inside WebAssembly: about 3 CPU-seconds
 * on the 2-core test machine, then 0.3 more for the migrations, in every test
 * file that opens one. Loading a dump of an already migrated cluster takes
 * about 1.2. So the first test process to need one builds it and keeps the dump
 * (tar, uncompressed) in the temp dir under a name that hashes the migrations
 * and PGlite's version; every later open loads that dump. Each open is still its
 * own database: the dump is only read.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../../src/generated/prisma/client";
import { PGLITE_EXTENSIONS } from "../../src/server/db/adapters";
import { migrations } from "./migrations";

// (Its package.json is not among the package's exports: found beside dist/.)
const PGLITE_VERSION: string = (
  JSON.parse(fs.readFileSync(path.resolve(path.dirname(require.resolve("@electric-sql/pglite")), "../package.json"), "utf8")) as { version: string }
).version;


/** The dump's path: what it was made from is in its name, so a changed migration makes a new one. */
function dumpPath(kind: "empty" | "migrated"): string {
  const hash = crypto.createHash("sha256").update(`pglite ${PGLITE_VERSION}\n${Object.keys(PGLITE_EXTENSIONS).sort().join(",")}\n`);
  if (kind === "migrated") for (const m of migrations()) hash.update(`${m.name}\n`).update(m.sql);
  return path.join(os.tmpdir(), `tandem-memory-db-${kind}-${hash.digest("hex").slice(0, 16)}.tar`);
}

/**
 * A fresh PGlite from the kept dump, making the dump first when it is not
 * there. Written to a temp name and renamed, so a process that finds the file
 * finds it whole (concurrent first runs each make one; the last rename wins).
 */
async function fromDump(kind: "empty" | "migrated", options: PGliteOptions): Promise<PGlite> {
  const file = dumpPath(kind);
  if (fs.existsSync(file)) {
    return PGlite.create({ ...options, extensions: PGLITE_EXTENSIONS, loadDataDir: new Blob([fs.readFileSync(file)]) });
  }
  const client = await PGlite.create({ ...options, extensions: PGLITE_EXTENSIONS });
  if (kind === "migrated") for (const m of migrations()) await client.exec(m.sql);
  const tar = Buffer.from(await (await client.dumpDataDir("none")).arrayBuffer());
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, tar);
  fs.renameSync(tmp, file);
  return client;
}

/** A new, empty PGlite cluster (no migrations), as `PGlite.create()` makes, without running initdb again. */
export function emptyPglite(options: PGliteOptions = {}): Promise<PGlite> {
  return fromDump("empty", options);
}

export async function openMemoryDb(options: { queryLog?: string[] } = {}) {
  const client = await fromDump("migrated", {});
  const log = options.queryLog;
  const prisma = new PrismaClient({
    adapter: new PrismaPGlite(client) as unknown as SqlMigrationAwareDriverAdapterFactory,
    ...(log ? { log: [{ emit: "event" as const, level: "query" as const }] } : {}),
  });
  // Typed for clients constructed with the log option only; the events are there at run time.
  if (log) (prisma as unknown as { $on(e: "query", cb: (e: { query: string }) => void): void }).$on("query", (e) => log.push(e.query));
  return {
    prisma,
    /** The PGlite client itself, for the direct statements (src/server/db/sql.ts). */
    client,
    async close() {
      await prisma.$disconnect();
      await client.close();
    },
  };
}
