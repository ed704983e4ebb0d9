import "server-only";
import { db } from "../db";
import { runtime } from "../runtime";

async function databaseUp(): Promise<boolean> {
  try {
    await db().$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}

/** Liveness for load balancers: the database answers and we are not shutting down. */
export async function checkHealth(): Promise<boolean> {
  return !runtime().shuttingDown && (await databaseUp());
}

/** Readiness detail for operators: database and Redis, and this process's sockets. */
export async function checkReadiness() {
  const [database, realtime] = await Promise.all([
    databaseUp(),
    runtime().readiness?.() ?? Promise.resolve({ redis: "disabled" as const, sockets: 0 }),
  ]);
  const ready = database && realtime.redis !== "down" && !runtime().shuttingDown;
  return {
    ready,
    body: {
      status: ready ? "ok" : "degraded",
      database: database ? "ok" : "down",
      redis: realtime.redis,
      pid: process.pid,
      sockets: realtime.sockets,
      shuttingDown: Boolean(runtime().shuttingDown),
    },
  };
}
