/**
 * Idle RSS of one Tandem process: right after start-up, then after some
 * activity (a ticket and BENCH_COMMENTS comments), 4 s and BENCH_IDLE_S
 * (default 20) seconds later, read from /proc like `npm run bench` does
 * (`--every`: every 2 s in between). The quick way to see what a change does to
 * a process's memory, e.g. the embedded database's.
 *
 * `node --require ./src/server/server-only-shim.cjs --import tsx bench/idle-memory.ts [--db postgres|embedded] [--maps]`
 * `--maps` also lists the process's largest resident mappings (/proc/<pid>/smaps) at the end.
 * BENCH_SERVER_SCRIPT runs another compiled server (e.g. a build of the code before a change);
 * BENCH_NODE_ARGS passes Node options to it (e.g. V8 flags; bench/lib/targets.ts).
 */
import fs from "node:fs";
import { sleep } from "./lib/measure";
import { startTandem } from "./lib/targets";

const argv = process.argv.slice(2);
const db = argv[argv.indexOf("--db") + 1] === "postgres" ? "postgres" : "embedded";
const COMMENTS = Number(process.env.BENCH_COMMENTS ?? 50);
/** How long the process is left alone after the comments (the full bench's idle reading waits 20 s too). */
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 20);

/** Resident and anonymous (heap, WebAssembly memory, compiled code) memory of `pid`, MB. */
function memory(pid: number) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return `RSS ${(kb("VmRSS") / 1024).toFixed(0)} MB (anonymous ${(kb("RssAnon") / 1024).toFixed(0)} MB)`;
}

/** The `n` largest resident mappings of `pid`: malloc arenas, V8's heap, WebAssembly memory, code. */
function largestMappings(pid: number, n = 15) {
  const maps: { head: string; rss: number; size: number }[] = [];
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) maps.push({ head: line.replace(/\s+/g, " ").slice(0, 100), rss: 0, size: 0 });
    else if (line.startsWith("Rss:")) maps.at(-1)!.rss = Number(line.split(/\s+/)[1]);
    else if (line.startsWith("Size:")) maps.at(-1)!.size = Number(line.split(/\s+/)[1]);
  }
  maps.sort((a, b) => b.rss - a.rss);
  return maps.slice(0, n).map((m) => `${(m.rss / 1024).toFixed(1).padStart(7)} MB resident of ${(m.size / 1024).toFixed(0).padStart(6)} MB  ${m.head}`).join("\n");
}

async function main() {
  const t = await startTandem({ db, processes: 1, accounts: Number(process.env.BENCH_ACCOUNTS ?? 1) });
  try {
    const pid = t.pids[0]!;
    await sleep(3_000);
    console.log(`${t.label}: after start-up ${memory(pid)}`);
    if (argv.includes("--every")) {
      for (let s = 5; s <= 3 + IDLE_S; s += 2) {
        await sleep(2_000);
        console.log(`${t.label}: ${s} s after start-up ${memory(pid)}`);
      }
    }
    const ticket = await t.createRoom();
    for (let i = 0; i < COMMENTS; i++) {
      const status = await t.post(0, ticket, `comment ${i}`, 0);
      if (status !== 201) throw new Error(`comment ${i}: HTTP ${status}`);
    }
    // Every 2 s for IDLE_S seconds: V8's memory reducer gives back the young
    // generation the comments grew once it counts the process idle, about
    // 10 s after the last allocations. The last reading is the idle process.
    for (let s = 2; s <= IDLE_S; s += 2) {
      await sleep(2_000);
      if (s === 4 || s === IDLE_S || argv.includes("--every")) {
        console.log(`${t.label}: ${s} s after a ticket and ${COMMENTS} comments ${memory(pid)}`);
      }
    }
    const [heap] = await t.heapUsed();
    console.log(`${t.label}: V8 heap used ${((heap ?? NaN) / 2 ** 20).toFixed(0)} MB`);
    if (argv.includes("--maps")) console.log(largestMappings(pid));
  } finally {
    await t.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
