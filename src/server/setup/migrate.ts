/**
 * Apply pending Prisma migrations with the project's own CLI configuration
 * (prisma.config.ts: JS schema engine through a driver adapter, offline).
 * For PGlite the caller must hold the DATA_DIR lock and must not have the
 * database open: PGlite allows one opener per directory.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Env } from "../env";
import { PROJECT_ROOT } from "../project-root";
import { withoutPrismaNoise } from "../failures/explain-startup-error";
import { log } from "../log";

const ROOT = PROJECT_ROOT;
const MIGRATIONS_DIR = path.join(ROOT, "prisma", "migrations");
/** Lets the CLI child exit when done instead of idling 10 s on an engine timer (see the file). */
const UNREF_ENGINE_TIMERS = path.join(ROOT, "src", "server", "setup", "prisma-cli-unref-timers.cjs");
/** What `prisma migrate deploy` prints when it has applied everything (or had nothing to do). */
const FINISHED = /All migrations have been successfully applied|No pending migrations to apply/;

/** The migrations this build ships, by directory name, oldest first. */
export function shippedMigrations(dir = MIGRATIONS_DIR): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

/** Runs one SQL query on the open database; the Prisma client's $queryRawUnsafe fits. */
type Query = <T>(sql: string) => Promise<T[]>;

/**
 * The shipped migrations the database has not applied (or whose last attempt
 * failed or was rolled back), read from Prisma's own `_prisma_migrations`
 * table. Empty means `prisma migrate deploy` would have nothing to do, so a
 * restart skips spawning it: the CLI child costs a few seconds (Node, the CLI
 * and the schema engine start for every run). Any doubt (no table yet, a query
 * that fails) counts as pending, so the CLI decides.
 */
export async function pendingMigrations(query: Query, shipped = shippedMigrations()): Promise<string[]> {
  let applied: Set<string>;
  try {
    const rows = await query<{ migration_name: string }>(
      `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    applied = new Set(rows.map((r) => r.migration_name));
  } catch {
    return shipped;
  }
  return shipped.filter((name) => !applied.has(name));
}

/**
 * Apply pending migrations. Several processes of one deployment starting at
 * once (pm2 resurrect at boot) queue on Prisma's advisory lock, which gives up
 * after 10 s; the loser retries instead of failing to start.
 */
export async function runMigrations(env: Env, attempts = 6): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(env);
    } catch (e) {
      const lockTimeout = e instanceof Error && /advisory lock|P1002/i.test(e.message);
      if (!lockTimeout || attempt >= attempts) throw e;
      log.info(`[tandem] another process is migrating the database; retrying (${attempt}/${attempts - 1})`);
    }
  }
}

function migrateOnce(env: Env): Promise<void> {
  const cli = require.resolve("prisma/build/index.js", { paths: [ROOT] });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", UNREF_ENGINE_TIMERS, cli, "migrate", "deploy"], {
      cwd: ROOT,
      // This process holds the DATA_DIR lock (every caller takes it before it
      // migrates the embedded database): the child, its migrator, need not.
      env: { ...process.env, DATA_DIR: env.dataDir, PRISMA_HIDE_UPDATE_MESSAGE: "1", TANDEM_DATA_DIR_LOCK_HOLDER: String(process.pid) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      // The preload lets the child exit once nothing is pending, so an exit of
      // 0 alone is not trusted: the CLI must also have said it finished.
      if (code === 0 && FINISHED.test(output)) {
        const applied = /The following migration\(s\) have been applied:[\s\S]*/.exec(output)?.[0];
        if (applied) log.info(`[tandem] ${applied.trim()}`);
        resolve();
      } else {
        reject(new Error(`Database migration failed (prisma migrate deploy exited ${code}${code === 0 ? " without finishing" : ""}):\n${withoutPrismaNoise(output)}`));
      }
    });
  });
}
