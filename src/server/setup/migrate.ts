/**
 * Apply pending Prisma migrations with the project's own CLI configuration
 * (prisma.config.ts: JS schema engine through a driver adapter, offline).
 * For PGlite the caller must hold the DATA_DIR lock and must not have the
 * database open: PGlite allows one opener per directory.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import type { Env } from "../env";
import { withoutPrismaNoise } from "../failures/explain-startup-error";

const ROOT = path.resolve(__dirname, "../../..");

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
      console.log(`[tandem] another process is migrating the database; retrying (${attempt}/${attempts - 1})`);
    }
  }
}

function migrateOnce(env: Env): Promise<void> {
  const cli = require.resolve("prisma/build/index.js", { paths: [ROOT] });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "migrate", "deploy"], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: env.dataDir, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d));
    child.stderr.on("data", (d: Buffer) => (output += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) {
        const applied = /The following migration\(s\) have been applied:[\s\S]*/.exec(output)?.[0];
        if (applied) console.log(`[tandem] ${applied.trim()}`);
        resolve();
      } else {
        reject(new Error(`Database migration failed (prisma migrate deploy exited ${code}):\n${withoutPrismaNoise(output)}`));
      }
    });
  });
}
