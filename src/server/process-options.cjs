/**
 * How every Tandem server process is started: `npm start`, PM2
 * (ecosystem.config.js), the tests and the benchmark all take these, so what
 * is measured is what runs. Plain CommonJS with no dependencies, for
 * ecosystem.config.js; package.json's start script spells them out again and
 * tests/deploy checks that it matches.
 *
 * Sized for the small VM Tandem starts on, one or two processes per core
 * (bench/findings.md, seventh round). An embedded process idled at 284–352 MB
 * resident, and most of the spread was memory the process no longer used:
 *   - Node starts four V8 worker threads (the optimizing compiler, concurrent
 *     and parallel garbage collection), and each thread that allocates gets its
 *     own glibc malloc arena (64 MB reserved each, a few MB to tens of MB left
 *     resident after the compiler's bursts at start-up and while PGlite's
 *     WebAssembly tiers up). One worker does this work on a 2-core machine as
 *     well as four: they share the same two cores with the main thread.
 *   - MALLOC_ARENA_MAX=8 gives each of the process's threads (eight here,
 *     /proc/<pid>/task: the main thread, that one V8 worker, libuv's pool of
 *     four and Node's own) an arena of its own. It was 2 until the twentieth
 *     round (bench/findings.md): with two arenas the compiler thread shared
 *     the main thread's, so what its bursts freed sat between the main
 *     thread's long-lived allocations and stayed resident. An embedded
 *     process that took a request within its first seconds (as after every
 *     deploy) idled at 269–314 MB with two arenas (the main one 78–123 MB)
 *     and 205–239 MB with eight in nine runs, 280 MB in one full benchmark
 *     run (the main one 23 MB; what the compiler leaves in its own arena
 *     still varies, and is now given back once the process rests:
 *     ./memory/idle-trim.ts); left alone for 3 s first, both read 200–243 MB.
 *     PostgreSQL 114–149 MB with two, 114 MB with eight, and a comment's CPU
 *     the same (alternated runs).
 * The pool of one with two arenas, when first set (eighth round): 244–256 MB
 * in eight runs of bench/idle-memory.ts against 284–352 MB, with no
 * measurable change in start-up CPU or in the CPU and latency of a comment
 * (bench/comment-cost.ts, alternated). On a larger machine with few
 * processes, raise --v8-pool-size in ecosystem.config.js (or in the start
 * script).
 */
"use strict";

/** Node options, before the script. */
const NODE_ARGS = ["--v8-pool-size=1"];

/** Environment for the process, unless already set in the environment it is started from. */
function processEnv(env = process.env) {
  return { MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX || "8" };
}

module.exports = { NODE_ARGS, processEnv };
