/**
 * `npm run bench`: Tandem side by side with a bare Socket.IO server
 * (bench/bare-server.mjs) in the same run, on the production build
 * (issue 11). Scenarios: 1 comment to screen, 2 fan-out throughput, 3 memory
 * per idle authenticated socket, 4 writes, 5 scale-out (two processes +
 * Redis), 6 catch-up, 7 restart (bench/restart.ts). Load generators are
 * child processes (bench/clients.ts, bench/writers.ts) whose CPU is reported.
 *
 * `--quick` (also BENCH_QUICK=1): 300 sockets on the embedded database, one
 * repetition, no scale-out or restart; what CI runs to check delivery
 * (tests/scale/bench-quick.test.ts). `--scale` adds scale-out to a quick run.
 * `--out <file>` writes the results as JSON; a full run also writes
 * BENCHMARKS.md and BENCHMARKS.svg (`--no-report` to skip).
 * `--cpu-prof <dir>` runs the Tandem processes under `node --cpu-prof`.
 * `--only tandem,bare,embedded,scale,restart` runs some parts of a full run;
 * `--db postgres|embedded` picks the database of the main Tandem runs;
 * `--sockets N` changes the number of sockets (memory read at N/4, N/2, N);
 * `--report-from file.json` only rewrites BENCHMARKS.md and .svg from saved results.
 * `--before file.json` compares with an earlier run (of the code before a
 * change) and reuses its parts this run skipped.
 * `--fanout-ab file.json` adds bench/fanout-ab.ts's interleaved fan-out pairs
 * to the report (the targets use them: see that file for why);
 * `--fanout-ab-embedded file.json` the same pairs on the embedded database
 * (`bench/fanout-ab.ts --db embedded`), for the embedded target.
 * `--memory-only` measures memory per socket and nothing else; `--memory-from
 * file.json` reports the memory of such a run instead of this run's.
 *
 * Numbers are medians of the repetitions; nothing here asserts a timing.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../tests/helpers/server";
import { startRedis } from "../tests/helpers/services";
import { machine, type Machine } from "./lib/measure";
import { writeReport } from "./lib/report";
import {
  catchUp,
  type CatchUpResult,
  extraAccounts,
  POSTERS,
  type SocketPlan,
  type SocketResults,
  socketScenarios,
  writes,
  type WritesResult,
} from "./lib/scenarios";
import type { FanoutAb } from "./fanout-ab";
import { startBare, startTandem, type Target } from "./lib/targets";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag("--quick") || process.env.BENCH_QUICK === "1";
// `--memory-only` runs the two single-process targets and nothing else, unless `--only` says otherwise.
const only = option("--only")?.split(",") ?? (flag("--memory-only") ? ["tandem", "bare"] : undefined);
const part = (name: string) => !only || only.includes(name);
const cpuProfDir = option("--cpu-prof");

export type BenchResults = {
  mode: "quick" | "full";
  startedAt: string;
  finishedAt?: string;
  machineBefore: Machine;
  machineAfter?: Machine;
  plan: Omit<SocketPlan, "log" | "via">;
  tandem?: SocketResults;
  bare?: SocketResults;
  embedded?: { idle: SocketResults["idle"]; fanout: SocketResults["fanout"] };
  writes: WritesResult[];
  catchUp?: CatchUpResult;
  scale?: { tandem: SocketResults; bare: SocketResults; writes: WritesResult };
  restart?: { medianSeconds: number; output: string };
  /** `--before file.json`: a run of the code before a change, compared in the report; parts this run skipped are taken from it. */
  before?: BenchResults;
  /** The parts taken from `before` (they do not depend on the change, e.g. bare Socket.IO). */
  reused?: string[];
  /** Scenario 2 with Tandem's and bare's repetitions interleaved (bench/fanout-ab.ts, `--fanout-ab file.json`). */
  fanoutAb?: FanoutAb;
  /** The same on the embedded database (`--fanout-ab-embedded file.json`). */
  fanoutAbEmbedded?: FanoutAb;
  /** Memory per socket from a separate `--memory-only` run (`--memory-from`), when this run used fewer sockets. */
  memoryRun?: { sockets: number; tandem?: SocketResults; bare?: SocketResults; machineBefore: Machine; startedAt: string };
};

const basePlan: Omit<SocketPlan, "log"> = quick
  ? {
      sockets: 300,
      steps: [100, 200, 300],
      roomSize: 100,
      fanoutMembers: 300,
      clients: 2,
      repeats: 1,
      commentRate: 15,
      commentMs: 2_000,
      fanoutConcurrency: 2,
      fanoutMs: 1_500,
      settleMs: 500,
    }
  : {
      sockets: 10_000,
      steps: [1_000, 5_000, 10_000],
      roomSize: 100,
      fanoutMembers: 1_000,
      clients: 4,
      repeats: 3,
      commentRate: 20,
      commentMs: 15_000,
      fanoutConcurrency: 4,
      fanoutMs: 10_000,
      settleMs: 5_000,
      idleMs: 20_000,
    };
// `--sockets N`: fewer (or more) sockets than the mode's default, memory read at N/4, N/2 and N.
const socketsOption = Number(option("--sockets") ?? NaN);
const plan: Omit<SocketPlan, "log"> = Number.isInteger(socketsOption) && socketsOption > 0
  ? {
      ...basePlan,
      sockets: socketsOption,
      steps: [...new Set([Math.round(socketsOption / 4), Math.round(socketsOption / 2), socketsOption])],
      fanoutMembers: Math.min(basePlan.fanoutMembers, socketsOption),
    }
  : basePlan;
// `--memory-only`: connect and measure memory, then stop (no rooms, no posts).
if (flag("--memory-only")) plan.memoryOnly = true;
const writeMs = quick ? 1_500 : 10_000;
const hotWriters = quick ? 10 : 50;
const manyWriters = quick ? 10 : 100;
const catchUpMissed = quick ? 100 : 1_000;

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function withTarget<T>(start: () => Promise<Target>, fn: (t: Target) => Promise<T>): Promise<T> {
  const target = await start();
  try {
    return await fn(target);
  } finally {
    await target.stop();
  }
}

function runRestartBench(): Promise<{ medianSeconds: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench", "restart.ts")], {
      cwd: ROOT,
      env: { ...process.env, BENCH_RESTARTS: "5" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.once("close", (code) => {
      const m = /median restart to ready[^:]*: ([\d.]+) s/.exec(out);
      if (code !== 0 || !m) reject(new Error(`bench/restart.ts failed (${code}):\n${out}`));
      else resolve({ medianSeconds: Number(m[1]), output: out.trim() });
    });
  });
}

async function main() {
  const reportFrom = option("--report-from");
  if (reportFrom) {
    const { md, svg } = writeReport(JSON.parse(fs.readFileSync(reportFrom, "utf8")) as BenchResults);
    log(`wrote ${md} and ${svg}`);
    return;
  }
  const results: BenchResults = { mode: quick ? "quick" : "full", startedAt: new Date().toISOString(), machineBefore: machine(), plan, writes: [] };
  const nodeArgs = cpuProfDir ? [`--cpu-prof`, `--cpu-prof-dir=${path.resolve(cpuProfDir)}`] : undefined;
  const primary = option("--db") === "postgres" ? "postgres" : option("--db") === "embedded" ? "embedded" : quick ? "embedded" : "postgres";
  const accounts = plan.sockets + extraAccounts;
  log(`${results.mode} run on ${results.machineBefore.cpu} × ${results.machineBefore.cores}, load ${results.machineBefore.load.join(" ")}`);

  // 1-3 (and 4, 6) on Tandem, one process.
  if (part("tandem")) {
    await withTarget(
      () => startTandem({ db: primary, processes: 1, accounts, nodeArgs }),
      async (t) => {
        results.tandem = await socketScenarios(t, { ...plan, log });
        if (plan.memoryOnly) return;
        // 4: writes, with no sockets connected.
        for (const hot of [true, false]) {
          const w = await writes(t, { hot, writers: hot ? hotWriters : manyWriters, durationMs: writeMs, firstAccount: plan.sockets + POSTERS });
          results.writes.push(w);
          log(`${w.label}: writes on ${w.tickets} ticket(s), ${w.writers} writers: ${Math.round(w.perSec)}/s, p99 ${w.p99.toFixed(0)} ms, refused ${JSON.stringify(w.refused)}`);
          // 6: catch-up on the hot ticket, which now has plenty of events.
          if (hot) {
            results.catchUp = await catchUp(t, { ticketId: w.hotTicket!, events: w.acked + 1, missed: catchUpMissed, repeats: quick ? 2 : 10, account: plan.sockets });
            log(`catch-up of ${catchUpMissed}: ${results.catchUp.ms.map((m) => m.toFixed(0)).join(", ")} ms (events ${results.catchUp.counts.join(", ")})`);
          }
        }
      },
    );
  }

  // 1-3 on the bare baseline, with Tandem's own event payload.
  if (part("bare")) {
    const sample = results.tandem?.sample ?? { data: { comment: { body: "x".repeat(40) } } };
    results.bare = await withTarget(
      () => startBare({ processes: 1, payload: () => sample }),
      (b) => socketScenarios(b, { ...plan, log }),
    );
  }

  // The embedded database beside PostgreSQL: idle process, fan-out, writes.
  if (!quick && part("embedded")) {
    await withTarget(
      () => startTandem({ db: "embedded", processes: 1, accounts: plan.fanoutMembers + extraAccounts, nodeArgs }),
      async (t) => {
        const r = await socketScenarios(t, { ...plan, sockets: plan.fanoutMembers, steps: [plan.fanoutMembers], fanoutOnly: true, log });
        results.embedded = { idle: r.idle, fanout: r.fanout };
        for (const hot of [true, false]) {
          const w = await writes(t, { hot, writers: hot ? hotWriters : manyWriters, durationMs: writeMs, firstAccount: plan.fanoutMembers + POSTERS });
          results.writes.push(w);
          log(`${w.label}: writes on ${w.tickets} ticket(s): ${Math.round(w.perSec)}/s, p99 ${w.p99.toFixed(0)} ms`);
        }
      },
    );
  }

  // 5: scale-out, two processes + Redis; posts alternate, so half of every room hears it from the other process.
  if ((!quick || flag("--scale")) && part("scale")) {
    const redis = await startRedis();
    try {
      const alternate = (i: number) => i % 2;
      const tandem = await withTarget(
        () => startTandem({ db: "postgres", processes: 2, accounts, redisUrl: redis.url, nodeArgs }),
        async (t) => {
          const s = await socketScenarios(t, { ...plan, via: alternate, log });
          const w = await writes(t, { hot: false, writers: manyWriters, durationMs: writeMs, firstAccount: plan.sockets + POSTERS });
          log(`${w.label}: writes on ${w.tickets} tickets: ${Math.round(w.perSec)}/s, p99 ${w.p99.toFixed(0)} ms`);
          return { s, w };
        },
      );
      const sample = results.tandem?.sample ?? tandem.s.sample;
      const bare = await withTarget(
        () => startBare({ processes: 2, redisUrl: redis.url, payload: () => sample }),
        (b) => socketScenarios(b, { ...plan, via: alternate, log }),
      );
      results.scale = { tandem: tandem.s, bare, writes: tandem.w };
    } finally {
      await redis.stop();
    }
  }

  // 7: restart to ready.
  if (!quick && part("restart")) {
    results.restart = await runRestartBench();
    log(`restart to ready: ${results.restart.medianSeconds} s (median)`);
  }

  results.finishedAt = new Date().toISOString();
  results.machineAfter = machine();
  const beforeFrom = option("--before");
  if (beforeFrom) {
    const before = JSON.parse(fs.readFileSync(beforeFrom, "utf8")) as BenchResults;
    results.before = { ...before, before: undefined };
    results.reused = [];
    for (const key of ["bare", "scale", "restart", "memoryRun"] as const) {
      if (results[key] === undefined && before[key] !== undefined) {
        (results as Record<string, unknown>)[key] = before[key];
        results.reused.push(key);
      }
    }
  }
  const memoryFrom = option("--memory-from");
  if (memoryFrom) {
    const m = JSON.parse(fs.readFileSync(memoryFrom, "utf8")) as BenchResults;
    results.memoryRun = { sockets: m.plan.sockets, tandem: m.tandem, bare: m.bare, machineBefore: m.machineBefore, startedAt: m.startedAt };
    // Not the run before's, which `--before` may have put in first.
    if (results.reused) results.reused = results.reused.filter((k) => k !== "memoryRun");
  }
  const fanoutAb = option("--fanout-ab");
  if (fanoutAb) results.fanoutAb = JSON.parse(fs.readFileSync(fanoutAb, "utf8")) as BenchResults["fanoutAb"];
  const fanoutAbEmbedded = option("--fanout-ab-embedded");
  if (fanoutAbEmbedded) results.fanoutAbEmbedded = JSON.parse(fs.readFileSync(fanoutAbEmbedded, "utf8")) as BenchResults["fanoutAbEmbedded"];
  const out = option("--out");
  if (out) fs.writeFileSync(out, JSON.stringify(results, null, 1));
  if (!quick && !flag("--no-report")) {
    const { md, svg } = writeReport(results);
    log(`wrote ${md} and ${svg}`);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
