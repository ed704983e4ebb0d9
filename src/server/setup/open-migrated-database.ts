/**
 * The database, migrated, for the operator scripts (`npm run db:seed`,
 * `npm run user`): opened once, with Prisma's CLI spawned only when a shipped
 * migration is pending, as server.ts does at start. The CLI child costs
 * seconds of CPU on every run (Node, the CLI and the schema engine start) even
 * when there is nothing to apply.
 */
import { type Database, openDatabase } from "../db/open";
import type { Env } from "../env";
import { pendingMigrations, runMigrations } from "./migrate";

/** For PGlite the caller must hold the DATA_DIR lock (see lockDataDir). */
export async function openMigratedDatabase(env: Env): Promise<Database> {
  const database = await openDatabase(env);
  const pending = await pendingMigrations((sql) => database.prisma.$queryRawUnsafe(sql));
  if (pending.length === 0) return database;
  // The embedded database allows one opener: closed while the CLI migrates, opened again after.
  if (env.embedded) await database.close();
  try {
    await runMigrations(env);
  } catch (e) {
    if (!env.embedded) await database.close();
    throw e;
  }
  return env.embedded ? openDatabase(env) : database;
}
