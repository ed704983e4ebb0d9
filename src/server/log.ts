/**
 * The one logger: pino, JSON lines on stdout (one object per line, for
 * journald, PM2's log files and any log shipper). Each line written while a
 * request is handled carries its `reqId` (server.ts runs the request inside
 * `requestContext`), so an operator can follow one request through the app,
 * the realtime layer and the database errors it caused. Secrets are redacted
 * by key wherever they appear one level deep, and messages never interpolate
 * cookies, tokens or passwords.
 *
 * Free of `server-only`: server.ts loads it outside Next. Next's route
 * bundles get their own copy of this module (vercel/next.js#79401), so the
 * request context lives on one `globalThis` slot both copies share.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import pino from "pino";

export type RequestContext = { reqId: string };

const KEY = Symbol.for("tandem.requestContext");
const g = globalThis as unknown as Record<symbol, AsyncLocalStorage<RequestContext> | undefined>;
/** The request being handled, if any. */
export const requestContext: AsyncLocalStorage<RequestContext> = (g[KEY] ??= new AsyncLocalStorage<RequestContext>());

const SECRET_KEYS = ["password", "passwordHash", "newPassword", "currentPassword", "token", "secret", "cookie", "authorization", "NEXTAUTH_SECRET", "DATABASE_URL", "REDIS_URL", "READY_TOKEN", "METRICS_TOKEN"];

const LOG_KEY = Symbol.for("tandem.log");
const shared = globalThis as unknown as Record<symbol, pino.Logger | undefined>;

/** The process's logger (one instance, also for Next's route bundles). */
export const log: pino.Logger = (shared[LOG_KEY] ??= pino({
  level: "info",
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  mixin: () => {
    const ctx = requestContext.getStore();
    return ctx ? { reqId: ctx.reqId } : {};
  },
  redact: { paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), "req.headers.cookie", "req.headers.authorization"], censor: "[redacted]" },
},
// Asynchronous writes: pino's default writes every line to stdout with a
// blocking write(2), which cost about half a millisecond of the event loop
// per request when stdout is a pipe (PM2, journald, the benchmark); lines
// logged while a write is in flight now go out together in the next one.
// Nothing is held back when the process is idle (no minLength), and pino
// flushes what is pending synchronously when the process exits.
pino.destination({ dest: 1, sync: false })));

/** Set the level once env.ts has validated LOG_LEVEL. */
export function setLogLevel(level: string): void {
  log.level = level;
}
