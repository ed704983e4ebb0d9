/**
 * An in-memory PGlite database with the project's migrations applied, behind
 * the real Prisma client: for unit tests of code that takes a Prisma client or
 * transaction (no server, no files).
 */
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../../src/generated/prisma/client";
import { PGLITE_EXTENSIONS } from "../../src/server/db/adapters";

const MIGRATIONS = path.resolve(__dirname, "../../prisma/migrations");

export async function openMemoryDb(options: { queryLog?: string[] } = {}) {
  const client = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
  for (const dir of fs.readdirSync(MIGRATIONS).filter((d) => /^\d+_/.test(d)).sort()) {
    await client.exec(fs.readFileSync(path.join(MIGRATIONS, dir, "migration.sql"), "utf8"));
  }
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
