/**
 * Scenario 6 of `npm run bench` on its own: a client 1,000 events behind
 * rejoins a ticket as the browser does (join, RESYNC, pages over HTTP, join
 * again), 10 times per round (BENCH_ROUNDS, default 3); prints each time,
 * the median and the server's CPU per catch-up (steadier than the times on a
 * busy machine). Quicker than the full run when working on the replay path.
 *
 * `node --require ./src/server/server-only-shim.cjs --import tsx bench/catch-up.ts [--db postgres|embedded] [--missed N] [--cpu-prof dir]`
 * BENCH_SERVER_SCRIPT runs another compiled server (e.g. a build of the code before a change).
 */
import path from "node:path";
import { cpuSeconds, median } from "./lib/measure";
import { catchUp } from "./lib/scenarios";
import { startTandem } from "./lib/targets";

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const db = option("--db") === "embedded" ? "embedded" : "postgres";
const missed = Number(option("--missed") ?? 1_000);
// Rounds of 10 rejoins, each on a new socket (a socket's joins are rate-limited).
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const prof = option("--cpu-prof");

async function main() {
  const t = await startTandem({ db, processes: 1, accounts: 2, nodeArgs: prof ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(prof)}`] : [] });
  try {
    const ticket = await t.createRoom();
    // The first catch-up posts the missing events (and warms the routes up); the second is the measured one.
    await catchUp(t, { ticketId: ticket, events: 1, missed, repeats: 2, account: 1 });
    const ms: number[] = [];
    const counts = new Set<number>();
    const cpu0 = cpuSeconds(t.pids[0]!);
    for (let i = 0; i < rounds; i++) {
      const r = await catchUp(t, { ticketId: ticket, events: missed + 1, missed, repeats: 10, account: 1 });
      ms.push(...r.ms);
      for (const n of r.counts) counts.add(n);
    }
    const cpu = cpuSeconds(t.pids[0]!) - cpu0;
    console.log(`${t.label}: catch-up of ${missed} missed events, ${ms.length} times`);
    console.log(`server CPU per catch-up: ${((cpu * 1000) / ms.length).toFixed(1)} ms (with a socket connecting per round of 10)`);
    console.log(`ms: ${ms.map((m) => m.toFixed(0)).join(", ")}`);
    console.log(`median ${median(ms).toFixed(1)} ms; events received: ${[...counts].join(", ")}`);
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
