/**
 * Apply pending Prisma migrations with the project's own CLI configuration
 * (prisma.config.ts: JS schema engine through a driver adapter, offline).
 * For PGlite the caller must hold the DATA_DIR lock and must not have the
 * database open: PGlite allows one opener per directory.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import type { Env } from "../env";

const ROOT = path.resolve(__dirname, "../../..");

export function runMigrations(env: Env): Promise<void> {
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
        reject(new Error(`Database migration failed (prisma migrate deploy exited ${code}):\n${output.trim()}`));
      }
    });
  });
}
