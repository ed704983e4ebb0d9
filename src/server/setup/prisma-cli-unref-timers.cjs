/**
 * Preloaded into the `prisma migrate deploy` child (see migrate.ts).
 *
 * Prisma's schema engine (WebAssembly) arms a 10-second timer that is still
 * pending when the CLI has applied the migrations and closed its connection,
 * so the child idles 10 s before it exits: on a fresh install that is most of
 * the first start's time. Unref'ing the engine's long timers lets the child
 * exit as soon as nothing else is pending. It cannot cut work short: the
 * CLI's database I/O (sockets, file handles) and its promise chain keep the
 * process alive on their own, and migrate.ts still requires the CLI's own
 * success line before it trusts an exit code of 0.
 * Plain CommonJS because it runs before anything is compiled.
 */
"use strict";
const originalSetTimeout = global.setTimeout;
global.setTimeout = function setTimeoutUnrefWasm(fn, ms, ...args) {
  const timer = originalSetTimeout.call(this, fn, ms, ...args);
  // Only long timers armed from inside the engine's WebAssembly.
  if (ms >= 1000 && typeof timer?.unref === "function" && /wasm:\/\//.test(new Error().stack ?? "")) timer.unref();
  return timer;
};
