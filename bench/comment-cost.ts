/**
 * What one comment costs the server, with nothing else going on: server CPU
 * (from /proc) and database statements (Tandem's own /metrics, by kind) per
 * comment, with no socket connected, over BENCH_COMMENTS comments posted one
 * after another. The quick way to see the effect of a change on the comment
 * path before running the whole `npm run bench`.
 *
 * `node --require ./src/server/server-only-shim.cjs --import tsx bench/comment-cost.ts [--db postgres|embedded] [--cpu-prof dir] [--hot N]`
 * `--hot N` then also has N writers post to one ticket for 10 s (acknowledged/s, p99);
 * `--across N` has N writers post to N tickets, one each, for 10 s.
 * `--processes 2` (PostgreSQL) runs two processes and Redis, as the scale-out
 * does: the comments go to the first, and the second's CPU per comment is what
 * a process pays for events it did not take (its relay, the adapter's messages);
 * under --hot/--across the writers alternate between the two.
 * BENCH_SERVER_SCRIPT runs another compiled server (e.g. a build of the code before a change).
 */
import path from "node:path";
import { cpuByThread, cpuSeconds, cpuSplit, latencyOf, sleep, speedMarkerMs } from "./lib/measure";
import { writes } from "./lib/scenarios";
import { request, startTandem } from "./lib/targets";
import { type RedisServer, startRedis } from "../tests/helpers/services";

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const COMMENTS = Number(process.env.BENCH_COMMENTS ?? 300);
const db = option("--db") === "embedded" ? "embedded" : "postgres";
const prof = option("--cpu-prof");
const hot = Number(option("--hot") ?? 0);
const across = Number(option("--across") ?? 0);
const processes = Number(option("--processes") ?? 1) as 1 | 2;
if (processes !== 1 && processes !== 2) throw new Error("--processes is 1 or 2");
if (processes === 2 && db !== "postgres") throw new Error("two processes need PostgreSQL");

/** CPU seconds of each process. */
const cpuOfEach = (pids: number[]) => pids.map((pid) => cpuSeconds(pid));
const perEach = (after: number[], before: number[], n: number) =>
  after.map((c, i) => `process ${i + 1} ${(((c - before[i]!) * 1000) / n).toFixed(2)} ms`).join(", ");

/** Statements run and seconds spent in them, by statement kind, from the server's /metrics. */
async function statements(url: string): Promise<Map<string, { count: number; seconds: number }>> {
  const res = await request(url, "GET", "/metrics", { authorization: "Bearer bench-metrics-token-0123456789" });
  const out = new Map<string, { count: number; seconds: number }>();
  for (const m of res.text.matchAll(/^tandem_db_query_duration_seconds_(count|sum)\{([^}]*)\} ([\d.e+-]+)/gm)) {
    const statement = /statement="([^"]*)"/.exec(m[2]!)?.[1] ?? "?";
    const entry = out.get(statement) ?? { count: 0, seconds: 0 };
    if (m[1] === "count") entry.count += Number(m[3]);
    else entry.seconds += Number(m[3]);
    out.set(statement, entry);
  }
  return out;
}

async function main() {
  const redis: RedisServer | undefined = processes === 2 ? await startRedis() : undefined;
  const t = await startTandem({
    db,
    processes,
    accounts: 2 + Math.max(hot, across),
    nodeArgs: prof ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(prof)}`] : [],
    ...(redis ? { redisUrl: redis.url } : {}),
  });
  try {
    const ticket = await t.createRoom();
    // Warm-up: the first requests compile routes and fill caches.
    for (let i = 0; i < 20; i++) await t.post(0, ticket, `warm-up ${i}`, 0);
    await sleep(1_500);
    const before = await statements(t.urls[0]!);
    const cpu0 = cpuSeconds(t.pids[0]!);
    const split0 = cpuSplit(t.pids[0]!);
    const threads0 = cpuByThread(t.pids[0]!);
    const each0 = cpuOfEach(t.pids);
    const latencies: number[] = [];
    for (let i = 0; i < COMMENTS; i++) {
      const s = performance.now();
      const status = await t.post(0, ticket, `comment ${i}`, 0);
      if (status !== 201) throw new Error(`comment ${i}: HTTP ${status}`);
      latencies.push(performance.now() - s);
    }
    // Let the processors (relay, notifications, mail) finish with the last ones.
    await sleep(1_500);
    const cpu = cpuSeconds(t.pids[0]!) - cpu0;
    const split = cpuSplit(t.pids[0]!);
    const threads = cpuByThread(t.pids[0]!);
    const each = cpuOfEach(t.pids);
    const after = await statements(t.urls[0]!);
    const lat = latencyOf(latencies);
    console.log(`${t.label}: ${COMMENTS} comments, one at a time, no sockets`);
    console.log(`server CPU per comment: ${((cpu * 1000) / COMMENTS).toFixed(2)} ms (includes ~1.5 s of idle processors; speed marker ${speedMarkerMs()} ms, lower is faster)`);
    console.log(`  of which user ${(((split.user - split0.user) * 1000) / COMMENTS).toFixed(2)} ms, kernel ${(((split.system - split0.system) * 1000) / COMMENTS).toFixed(2)} ms`);
    const byThread = [...threads].map(([name, s]) => [name, ((s - (threads0.get(name) ?? 0)) * 1000) / COMMENTS] as const).filter(([, ms]) => ms >= 0.01);
    console.log(`  by thread: ${byThread.sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`).join(", ")}`);
    if (processes === 2) console.log(`  by process (the comments went to the first): ${perEach(each, each0, COMMENTS)}`);
    const firstTenth = latencyOf(latencies.slice(0, Math.ceil(COMMENTS / 10)));
    const lastTenth = latencyOf(latencies.slice(-Math.ceil(COMMENTS / 10)));
    console.log(`latency: p50 ${lat.p50.toFixed(1)} ms, p99 ${lat.p99.toFixed(1)} ms; p50 of the first tenth ${firstTenth.p50.toFixed(1)} ms, of the last tenth ${lastTenth.p50.toFixed(1)} ms (the ticket grows by ${COMMENTS} comments)`);
    const kinds = [...after]
      .map(([k, n]) => [k, (n.count - (before.get(k)?.count ?? 0)) / COMMENTS, ((n.seconds - (before.get(k)?.seconds ?? 0)) * 1000) / COMMENTS] as const)
      .filter(([, n]) => n > 0);
    console.log(`database statements per comment: ${kinds.reduce((a, [, n]) => a + n, 0).toFixed(1)} (${kinds.map(([k, n]) => `${k} ${n.toFixed(1)}`).join(", ")})`);
    console.log(`  time in them per comment, as the server waits for them: ${kinds.reduce((a, [, , ms]) => a + ms, 0).toFixed(2)} ms (${kinds.map(([k, , ms]) => `${k} ${ms.toFixed(2)}`).join(", ")})`);
    const cpuPerWrite = (w: { acked: number; serverCpu: number; clientCpu: number }, before: number[]) =>
      `server CPU per write ${((w.serverCpu * 1000) / w.acked).toFixed(2)} ms${processes === 2 ? ` (${perEach(cpuOfEach(t.pids), before, w.acked)})` : ""}, writers' ${((w.clientCpu * 1000) / w.acked).toFixed(2)} ms`;
    if (hot > 0) {
      const before = cpuOfEach(t.pids);
      const w = await writes(t, { hot: true, writers: hot, durationMs: 10_000, firstAccount: 2 });
      console.log(`one hot ticket, ${hot} writers: ${Math.round(w.perSec)} acknowledged/s, p50 ${w.p50.toFixed(0)} ms, p99 ${w.p99.toFixed(0)} ms, refused ${JSON.stringify(w.refused)}`);
      console.log(`  ${cpuPerWrite(w, before)}`);
    }
    if (across > 0) {
      const before = cpuOfEach(t.pids);
      const w = await writes(t, { hot: false, writers: across, durationMs: 10_000, firstAccount: 2 });
      console.log(`${across} tickets, a writer each: ${Math.round(w.perSec)} acknowledged/s, p50 ${w.p50.toFixed(0)} ms, p99 ${w.p99.toFixed(0)} ms, refused ${JSON.stringify(w.refused)}`);
      console.log(`  ${cpuPerWrite(w, before)}`);
    }
  } finally {
    await t.stop();
    await redis?.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
