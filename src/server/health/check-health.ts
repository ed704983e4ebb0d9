import "server-only";
import { db } from "../db";
import { env } from "../env";
import { checkDiskSpace } from "../failures/check-disk-space";
import { runtime } from "../runtime";

/** A database that has not answered by then counts as down: health checks must answer promptly. */
const DATABASE_CHECK_MS = 3000;

async function databaseUp(): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DATABASE_CHECK_MS)));
  const answered = db()
    .$queryRaw`SELECT 1`.then(() => true)
    .catch(() => false);
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness for load balancers: the database answers and we are not shutting down. */
export async function checkHealth(): Promise<boolean> {
  return !runtime().shuttingDown && (await databaseUp());
}

/** Readiness detail for operators: database and Redis, and this process's sockets. */
export async function checkReadiness() {
  const [database, realtime, disk] = await Promise.all([
    databaseUp(),
    runtime().readiness?.() ?? Promise.resolve({ redis: "disabled" as const, sockets: 0 }),
    checkDiskSpace(env().dataDir, env().uploadDir),
  ]);
  const ready = database && realtime.redis !== "down" && !runtime().shuttingDown;
  // A full disk keeps readiness (reads still work; every node shares the
  // disk, so routing elsewhere would not help) but is reported as degraded.
  return {
    ready,
    body: {
      status: ready && disk.disk !== "full" ? "ok" : "degraded",
      database: database ? "ok" : "down",
      redis: realtime.redis,
      pid: process.pid,
      sockets: realtime.sockets,
      shuttingDown: Boolean(runtime().shuttingDown),
      ...disk,
    },
  };
}
