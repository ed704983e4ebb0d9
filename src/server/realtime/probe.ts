import "server-only";
import type { ProbeAck, ProbeLeg } from "../../shared/realtime";
import { ZProbe, rooms } from "../../shared/realtime";
import { type Actor, can } from "../policy";

/** What the probe needs, passed in. */
export type ProbeDeps = {
  pingDatabase(): Promise<unknown>;
  /** Undefined without REDIS_URL. */
  pingRedis?: () => Promise<unknown>;
  /** Send the echo to a room through the adapter (every process, Redis permitting). */
  echo(room: string, probeId: string): void;
};

const LEG_TIMEOUT_MS = 3_000;

async function timed(run: () => Promise<unknown>): Promise<ProbeLeg> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([run(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${LEG_TIMEOUT_MS / 1000} s`)), LEG_TIMEOUT_MS)))]);
    return { ms: Math.round((performance.now() - started) * 10) / 10 };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `admin:probe`, admins only: time a database round trip and a Redis PING on
 * this process, then echo to the admin's own user room, which the browser
 * times end to end (socket → server → database and Redis → room → socket).
 */
export async function runProbe(actor: Actor, payload: unknown, deps: ProbeDeps): Promise<ProbeAck> {
  if (!can(actor, "realtime:inspect")) return { ok: false, error: { code: "FORBIDDEN", message: "Only admins can run the realtime probe" } };
  const parsed = ZProbe.safeParse(payload);
  if (!parsed.success) return { ok: false, error: { code: "VALIDATION", message: "Invalid admin:probe payload" } };
  const [database, redis] = await Promise.all([timed(deps.pingDatabase), deps.pingRedis ? timed(deps.pingRedis) : Promise.resolve<ProbeLeg>({ disabled: true })]);
  deps.echo(rooms.user(actor.id), parsed.data.probeId);
  return { ok: true, pid: process.pid, legs: { database, redis } };
}
