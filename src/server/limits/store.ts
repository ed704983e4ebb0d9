import "server-only";
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from "rate-limiter-flexible";
import { env } from "../env";
import { closeClient } from "../realtime/redis";
import { log } from "../log";

export type LimiterOptions = {
  /** Distinguishes this limiter's keys in the shared store. */
  keyPrefix: string;
  points: number;
  /** Window in seconds (0: never expires). */
  duration: number;
  blockDuration?: number;
};

type Registry = { redis?: Redis; limiters: Map<string, RateLimiterAbstract> };
const KEY = Symbol.for("tandem.limiters");

/**
 * Limiters live on `globalThis` for the same reason as runtime(): Next bundles
 * route handlers apart from each other and from server.ts, and a memory
 * limiter copied per bundle would count each route on its own.
 */
function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[KEY] ??= { limiters: new Map() });
}

let lastLog = 0;
function limiterRedis(url: string): Redis {
  const reg = registry();
  if (!reg.redis) {
    // rate-limiter-flexible's advice: no offline queue, so while Redis is
    // down a limit check fails at once (and falls to the insurance limiter)
    // instead of waiting for a reconnect on the request path.
    reg.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    reg.redis.on("error", (e: Error) => {
      if (Date.now() - lastLog < 10_000) return;
      lastLog = Date.now();
      log.error(`[tandem] redis (rate limits fall back to per-process counts): ${e.message}`);
    });
  }
  return reg.redis;
}

/**
 * Open the limiters' Redis connection at boot (with REDIS_URL) and wait, a
 * few seconds at most, until it is ready: a process that announces itself
 * ready before its limiter store is would count its first sign-in failures in
 * its own memory, where the other processes cannot see them. If Redis is down
 * the boot goes on (limits fall back to per-process counts until it returns).
 */
export async function connectLimiterStore(waitMs = 3_000): Promise<void> {
  const url = env().REDIS_URL;
  if (!url) return;
  const redis = limiterRedis(url);
  if (redis.status === "ready") return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off("ready", done);
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    timer.unref();
    redis.once("ready", done);
  });
}

/** Drop the limiters' Redis connection (graceful shutdown); later checks use memory. */
export async function closeLimiterStore(): Promise<void> {
  const reg = registry();
  const redis = reg.redis;
  if (!redis) return;
  reg.redis = undefined;
  reg.limiters.clear();
  await closeClient(redis);
}

/**
 * A rate limiter, one per `keyPrefix` in the process. With REDIS_URL it counts
 * in Redis, so the limit holds across all processes; while Redis is
 * unreachable each process falls back to its own memory count of the same
 * size (the library's "insurance limiter"): limits stay on, only N processes
 * together may then allow up to N times the limit. Without Redis, memory.
 */
export function limiter(options: LimiterOptions): RateLimiterAbstract {
  const reg = registry();
  const existing = reg.limiters.get(options.keyPrefix);
  if (existing && existing.points === options.points && existing.duration === options.duration) return existing;
  const keyPrefix = `tandem:${options.keyPrefix}`;
  const memory = new RateLimiterMemory({ ...options, keyPrefix });
  const url = env().REDIS_URL;
  const created = url
    ? new RateLimiterRedis({
        ...options,
        keyPrefix,
        storeClient: limiterRedis(url),
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      })
    : memory;
  reg.limiters.set(options.keyPrefix, created);
  return created;
}

/** Seconds to wait before a refused action may be retried (for Retry-After), at least 1. */
export function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/**
 * consume(), answering `null` when allowed and the refusal otherwise. A store
 * error (only possible without an insurance limiter) is rethrown.
 */
export async function tryConsume(l: RateLimiterAbstract, key: string, points = 1): Promise<RateLimiterRes | null> {
  try {
    await l.consume(key, points);
    return null;
  } catch (e) {
    // Duck-typed: a limiter made in another bundle carries another copy of the class.
    if (!(e instanceof Error) && typeof (e as RateLimiterRes | undefined)?.msBeforeNext === "number") return e as RateLimiterRes;
    throw e;
  }
}
