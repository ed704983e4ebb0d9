/**
 * How eagerly V8 re-compiles WebAssembly with its optimizing compiler.
 *
 * Tandem runs two WebAssembly modules: PGlite (PostgreSQL, 8.8 MB of code, the
 * embedded database) and Prisma's query compiler. V8 first compiles a function
 * with its fast baseline compiler (Liftoff) and re-compiles it with TurboFan
 * once it has run a "budget" of about 1.8 MB of code. PostgreSQL's start-up
 * (opening the data dir, the catalog reads of the first queries) spends that
 * budget in hundreds of functions that never run hot again, so a fresh process
 * used more CPU on TurboFan threads than on everything else it does to start,
 * and their memory stayed resident (the compiler threads' malloc arenas,
 * bench/findings.md). Measured on this 2-core machine, a seeded embedded start
 * to ready: 2.7–3.6 CPU-s with the default, 2.0–2.5 with ten times the budget,
 * 1.8–2.1 with no TurboFan at all (`--liftoff-only`, which would leave the hot
 * query paths unoptimized for the life of the process). Ten times the budget:
 * what runs on every query still tiers up within its first few hundred
 * queries; what only ran once at start does not.
 *
 * Set before any WebAssembly module is compiled: server.ts imports this
 * first, and pglite-wasm.ts too, for the scripts and tests that open PGlite
 * without server.ts (the in-memory test database among them). V8 reads it
 * when a module is compiled, so setting it at run time works;
 * `node --wasm-tiering-budget=…` on the command line still wins.
 */
import v8 from "node:v8";

export const WASM_TIERING_BUDGET = 18_000_000;

if (!process.execArgv.some((a) => a.startsWith("--wasm-tiering-budget"))) {
  v8.setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
}
