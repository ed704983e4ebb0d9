/**
 * Scenario 2 (fan-out to one room of 1,000) for Tandem and bare Socket.IO
 * with their repetitions interleaved: Tandem, bare, Tandem, bare… with both
 * servers up and both rooms joined the whole time.
 *
 * Why: the full run (`npm run bench`) measures all of Tandem, then all of
 * bare Socket.IO, minutes apart. On this shared virtual machine one core's
 * speed has moved by 1.7× within a single ten-minute run (the speed marker
 * before and after, BENCHMARKS.md), which moves a ratio of two measurements
 * taken minutes apart just as much. Pairs taken seconds apart share the
 * machine's speed, so the median of the pairs' ratios is the number to trust.
 *
 * `node --require ./src/server/server-only-shim.cjs --import tsx bench/fanout-ab.ts [--pairs N] [--db postgres|embedded] [--out file.json]`
 */
import fs from "node:fs";
import { Fleet } from "./lib/fleet";
import { cpuByThread, cpuSplit, type Machine, machine, median, speedMarkerMs, sleep } from "./lib/measure";
import { connectSockets, extraAccounts, POSTERS, type PostPhase, postPhase } from "./lib/scenarios";
import { startBare, startTandem, type Target } from "./lib/targets";

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const PAIRS = Number(option("--pairs") ?? 5);
const MEMBERS = 1_000;
const CONCURRENCY = 4;
const DURATION_MS = 10_000;
/**
 * Posts to each room before the pairs, not measured: the first pair ran
 * code nothing had exercised yet. In eight runs of three pairs on 7 December
 * Tandem's first pair took a median 1.4 ms more CPU per post than its later
 * two (−1.3 to +3.9), bare Socket.IO's 0.6 ms (−1.4 to +1.6). A server in
 * use is warm, and the full run's fan-out comes after scenario 1's posts.
 */
const WARMUP_MS = 3_000;
const db = option("--db") === "embedded" ? "embedded" : "postgres";
const log = (s: string) => console.log(`[fanout-ab ${new Date().toISOString().slice(11, 19)}] ${s}`);

/** What `--out` writes, and what `npm run bench -- --fanout-ab file` puts in the report. */
export type FanoutAb = { startedAt: string; db: string; machineBefore: Machine; machineAfter: Machine; pairs: Pair[]; ratio: number; beyondMs: number };
type Pair = { tandem: PostPhase; bare: PostPhase; speedMarkerMs: number };

type Side = { target: Target; fleet: Fleet; room: string; members: Map<string, number> };

/** MEMBERS sockets connected and in one room (Tandem's: the staff ticket list, as in run.ts). */
async function prepare(target: Target): Promise<Side> {
  const room = await target.createRoom();
  const fleet = Fleet.start(2);
  await connectSockets(fleet, target, 0, MEMBERS);
  await fleet.all((i) => ({
    cmd: "join",
    joins: Array.from({ length: MEMBERS }, (_, g) => g)
      .filter((g) => g % fleet.size === i)
      .map((g) => ({ index: Math.floor(g / fleet.size), room })),
    concurrency: 10,
    ...(target.kind === "tandem" ? { via: "lists" as const } : {}),
  }));
  return { target, fleet, room, members: new Map([[room, MEMBERS]]) };
}

/** Where a side's server CPU went in one repetition, per acknowledged post: user and kernel time, and by thread (the main thread, V8's workers that collect garbage, libuv's pool). */
function splitOf(pid: number): () => string {
  const s0 = cpuSplit(pid);
  const t0 = cpuByThread(pid);
  return () => {
    const s1 = cpuSplit(pid);
    const t1 = cpuByThread(pid);
    const threads = [...t1].map(([name, c]) => [name, c - (t0.get(name) ?? 0)] as const).filter(([, c]) => c > 0.005);
    return [`user ${(s1.user - s0.user).toFixed(2)} s, kernel ${(s1.system - s0.system).toFixed(2)} s`, ...threads.map(([n, c]) => `${n} ${c.toFixed(2)} s`)].join(", ");
  };
}

async function rep(side: Side, phase: string, durationMs = DURATION_MS): Promise<PostPhase> {
  const split = splitOf(side.target.pids[0]!);
  const r = await postPhase(side.target, side.fleet, {
    phase,
    rooms: [side.room],
    members: side.members,
    concurrency: CONCURRENCY,
    durationMs,
    via: () => 0,
    poster: (i) => MEMBERS + (i % POSTERS),
  });
  log(`  ${side.target.kind}: ${r.acked} posts, ${split()}`);
  return r;
}

async function main() {
  const before = machine();
  log(`${PAIRS} pairs, ${MEMBERS} members, Tandem on ${db}; load ${before.load.join(" ")}, speed marker ${before.speedMarkerMs} ms`);
  const tandem = await startTandem({ db, processes: 1, accounts: MEMBERS + extraAccounts });
  // Bare Socket.IO emits Tandem's own event (a reply as the room's sockets
  // received it, its marker swapped per post), as run.ts's baseline does, so
  // both write the same bytes to every socket: the payload is taken from
  // Tandem's warm-up, before bare posts anything.
  let sample: unknown;
  const bare = await startBare({
    processes: 1,
    payload: () => {
      if (sample === undefined) throw new Error("no Tandem event to copy yet");
      return sample;
    },
  });
  const sides = { tandem: await prepare(tandem), bare: await prepare(bare) };
  const pairs: Pair[] = [];
  try {
    await sleep(5_000);
    await rep(sides.tandem, "warm-up-tandem", WARMUP_MS);
    sample = (await sides.tandem.fleet.all({ cmd: "report" })).find((r) => r.sample)?.sample;
    if (sample === undefined) throw new Error("Tandem's warm-up delivered no event to copy");
    log(`bare Socket.IO emits Tandem's event: ${JSON.stringify(sample).length} bytes of JSON`);
    await rep(sides.bare, "warm-up-bare", WARMUP_MS);
    await sleep(2_000);
    for (let p = 0; p < PAIRS; p++) {
      // Alternate who goes first, so neither side always follows the other's garbage.
      const order = p % 2 === 0 ? (["tandem", "bare"] as const) : (["bare", "tandem"] as const);
      const r: Partial<Record<"tandem" | "bare", PostPhase>> = {};
      for (const k of order) r[k] = await rep(sides[k], `ab${p}${k}`);
      const speed = speedMarkerMs();
      const t = r.tandem!;
      const b = r.bare!;
      if (t.missing || b.missing || t.duplicates || b.duplicates) throw new Error(`pair ${p}: missing ${t.missing}/${b.missing}, duplicates ${t.duplicates}/${b.duplicates}`);
      pairs.push({ tandem: t, bare: b, speedMarkerMs: speed });
      log(
        `pair ${p + 1}: Tandem ${Math.round(t.deliveriesPerCpuSec)} / bare ${Math.round(b.deliveriesPerCpuSec)} deliveries per server CPU-s = ${(t.deliveriesPerCpuSec / b.deliveriesPerCpuSec).toFixed(2)}×; CPU per post ${t.cpuPerPostMs.toFixed(1)} − ${b.cpuPerPostMs.toFixed(1)} = ${(t.cpuPerPostMs - b.cpuPerPostMs).toFixed(1)} ms beyond the broadcast; speed marker ${speed} ms`,
      );
    }
  } finally {
    await Promise.all([sides.tandem.fleet.close(), sides.bare.fleet.close()]);
    await Promise.all([tandem.stop(), bare.stop()]);
  }
  const ratio = median(pairs.map((p) => p.tandem.deliveriesPerCpuSec / p.bare.deliveriesPerCpuSec));
  const beyond = median(pairs.map((p) => p.tandem.cpuPerPostMs - p.bare.cpuPerPostMs));
  log(`median of ${pairs.length} pairs: ${ratio.toFixed(2)}× bare per server CPU-s; ${beyond.toFixed(1)} ms of server CPU per comment beyond the broadcast`);
  const out = option("--out");
  if (out) {
    const result: FanoutAb = { startedAt: new Date().toISOString(), db, machineBefore: before, machineAfter: machine(), pairs, ratio, beyondMs: beyond };
    fs.writeFileSync(out, JSON.stringify(result, null, 2));
  }
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
