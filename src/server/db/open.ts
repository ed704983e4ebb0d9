/**
 * Opens the database for this process: PostgreSQL when DATABASE_URL is set,
 * otherwise the embedded PGlite in DATA_DIR guarded by a lock file so that a
 * second process cannot open (and corrupt) the same directory.
 */
import fs from "node:fs";
import path from "node:path";
import { PrismaClient } from "../../generated/prisma/client";
import type { Env } from "../env";
import { createPostgresAdapter, openPglite } from "./adapters";

export type Database = {
  prisma: PrismaClient;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
};

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Take DATA_DIR/tandem.lock for this process. A lock left by a process that no
 * longer exists (crash, kill -9) is taken over.
 * @returns a function that releases the lock.
 */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, "tandem.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      return () => {
        try {
          if (fs.readFileSync(lockPath, "utf8") === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number.parseInt(fs.readFileSync(lockPath, "utf8"), 10);
      if (Number.isInteger(holder) && holder !== process.pid && pidAlive(holder)) {
        throw new Error(
          `DATA_DIR ${dataDir} is in use by process ${holder}. The embedded database allows one process; ` +
            `stop it, use another DATA_DIR, or set DATABASE_URL to share PostgreSQL between processes.`,
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not lock ${lockPath}`);
}

/** Open the Prisma client. For PGlite the caller must already hold the DATA_DIR lock. */
export async function openDatabase(env: Env): Promise<Database> {
  if (env.DATABASE_URL) {
    const prisma = new PrismaClient({ adapter: createPostgresAdapter(env.DATABASE_URL) });
    await prisma.$connect();
    return { prisma, kind: "postgres", close: () => prisma.$disconnect() };
  }
  const { client, adapter } = await openPglite(env.dataDir);
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    kind: "pglite",
    async close() {
      await prisma.$disconnect();
      await client.close();
    },
  };
}
