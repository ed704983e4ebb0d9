/**
 * The scenarios of issue 11, each run against a Target (Tandem or the bare
 * baseline) with the same sockets, rooms and posting pattern:
 * comment to screen (rate-driven posts into rooms of 100), fan-out throughput
 * (closed-loop posts into one big room), memory per idle socket, writes
 * (Tandem only) and catch-up (Tandem only).
 *
 * Every posting phase also checks delivery: each acknowledged post must reach
 * every member of its room exactly once, and no socket outside it.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../../tests/helpers/server";
import type { WritersJob, WritersResult } from "../writers";
import { Fleet, LOCAL_ADDRESSES } from "./fleet";
import { cpuOf, type Latency, latencyOf, nowMs, rssBytes, sleep } from "./measure";
import type { Target } from "./targets";

export type Delivery = {
  posted: number;
  acked: number;
  /** Deliveries the acknowledged posts should have made, and what arrived. */
  expected: number;
  delivered: number;
  missing: number;
  duplicates: number;
  /** Events that reached a socket not in the post's room. */
  foreign: number;
  /** Posts not acknowledged with 201, by HTTP status (-1: no answer). */
  failed?: Record<string, number>;
};

export type PostPhase = Delivery & {
  latency: Latency;
  wallMs: number;
  serverCpu: number;
  clientCpu: number;
  posterCpu: number;
  deliveriesPerSec: number;
  deliveriesPerCpuSec: number;
  /** Server CPU per acknowledged post, ms. */
  cpuPerPostMs: number;
};

export type MemoryPoint = { sockets: number; rss: number; heap: number; rssPerSocket: number; heapPerSocket: number };

/**
 * Readings after a full garbage collection forced from outside (./gc.ts):
 * what the sockets keep alive, without the garbage and allocator headroom
 * the handshakes leave until V8 gets round to collecting (RSS only shrinks
 * by what V8 and the allocator give back).
 */
export type AfterGc = { rss: number; heap: number };
export type SocketResults = {
  label: string;
  idle: { rss: number; heap: number };
  memory: MemoryPoint[];
  /** Idle, and at the last step, after a forced collection (taken after the ordinary readings there); per socket = (last − idle) / sockets. */
  afterGc?: { idle: AfterGc; last: AfterGc & { sockets: number; rssPerSocket: number; heapPerSocket: number } };
  connectMs: number;
  /** Joins the server refused as retryable (UNAVAILABLE, RATE_LIMITED) and the load generator retried. */
  joinRetries: number;
  commentToScreen: PostPhase[];
  fanout: PostPhase[];
  /** A Tandem comment:added payload as a socket received it (for the bare server's same-size copies). */
  sample?: unknown;
};

export type SocketPlan = {
  sockets: number;
  /** Memory is measured after connecting this many (ascending, the last = sockets). */
  steps: number[];
  roomSize: number;
  fanoutMembers: number;
  clients: number;
  repeats: number;
  commentRate: number;
  commentMs: number;
  fanoutConcurrency: number;
  fanoutMs: number;
  /** Measure memory only: no rooms, no posts. */
  memoryOnly?: boolean;
  /** Skip the comment-to-screen phase (fan-out only). */
  fanoutOnly?: boolean;
  /** Pause before each memory reading, so the handshakes' garbage and timers settle. */
  settleMs: number;
  /**
   * Pause before the idle process's reading, which is also the base of the
   * per-socket figures. Longer than `settleMs`: V8 gives back the young
   * generation it grew under load (up to 16 MB per semi-space) only once its
   * memory reducer counts the process idle, about 10 s after the last
   * allocations (bench/idle-memory.ts prints the drop: 252 → 213 MB embedded).
   * Read sooner, "idle" is the memory of a process just used.
   */
  idleMs?: number;
  /** Which process each post goes to (scale-out: alternate). */
  via?: (i: number) => number;
  log: (msg: string) => void;
};

/** Accounts 0..sockets-1 hold sockets; the next 10 post; then 100 write; the last one creates tickets. */
export const POSTERS = 10;
export const WRITERS = 100;
export const extraAccounts = POSTERS + WRITERS + 1;

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function memoryOf(target: Target) {
  const heaps = await target.heapUsed();
  return { rss: sum(target.pids.map(rssBytes)), heap: sum(heaps) };
}

async function memoryAfterGc(target: Target): Promise<AfterGc> {
  const heaps = await target.collectGarbage();
  return { rss: sum(target.pids.map(rssBytes)), heap: sum(heaps) };
}

/**
 * Posts during `durationMs`, either at a steady `rate` per second (open loop:
 * each post leaves on schedule whatever the previous ones do) or with
 * `concurrency` posts in flight (closed loop), then waits until every
 * acknowledged post has reached every member of its room (or nothing has
 * arrived for 10 s) and collects latencies from post to each arrival.
 */
export async function postPhase(
  target: Target,
  fleet: Fleet,
  opts: {
    phase: string;
    rooms: string[];
    members: Map<string, number>;
    rate?: number;
    concurrency?: number;
    durationMs: number;
    via: (i: number) => number;
    poster: (i: number) => number;
  },
): Promise<PostPhase> {
  await fleet.all({ cmd: "record" });
  const sent = new Map<string, { at: number; room: string; status?: number; ackAt?: number }>();
  const cpuServer0 = cpuOf(target.pids);
  const cpuClients0 = fleet.totalCpu();
  const cpuPoster0 = process.cpuUsage();
  const t0 = nowMs();
  const fire = async (i: number) => {
    const room = opts.rooms[i % opts.rooms.length]!;
    const marker = `bench|${opts.phase}|${room}|${i}`;
    const entry: { at: number; room: string; status?: number; ackAt?: number } = { at: nowMs(), room };
    sent.set(marker, entry);
    entry.status = await target.post(opts.via(i), room, marker, opts.poster(i)).catch(() => -1);
    entry.ackAt = nowMs();
  };
  if (opts.rate) {
    const inflight: Promise<void>[] = [];
    for (let i = 0; ; i++) {
      const due = t0 + (i * 1000) / opts.rate;
      if (due - t0 >= opts.durationMs) break;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
      inflight.push(fire(i));
    }
    await Promise.all(inflight);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: opts.concurrency ?? 1 }, async () => {
        while (nowMs() - t0 < opts.durationMs) await fire(next++);
      }),
    );
  }
  const acked = [...sent.values()].filter((s) => s.status === 201);
  const failed: Record<string, number> = {};
  for (const s of sent.values()) if (s.status !== 201) failed[String(s.status)] = (failed[String(s.status)] ?? 0) + 1;
  const expected = sum(acked.map((s) => opts.members.get(s.room) ?? 0));
  // Wait for the deliveries: done when all arrived, or when nothing moved for 10 s.
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const count = sum((await fleet.all({ cmd: "count" })).map((r) => r.done ?? 0));
    if (count >= expected) break;
    if (count !== last) {
      last = count;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 10_000) break;
    await sleep(50);
  }
  const serverCpu = cpuOf(target.pids) - cpuServer0;
  const poster = process.cpuUsage(cpuPoster0);
  const reports = await fleet.all({ cmd: "report" });
  const clientCpu = fleet.totalCpu() - cpuClients0;
  const latencies: number[] = [];
  let lastArrival = t0;
  let delivered = 0;
  let deliveredForAcked = 0;
  // BENCH_POST_TRACE=file: one JSON line per post (sent at, acknowledged after, its deliveries' latencies), to see when the slow ones happen.
  const trace = process.env.BENCH_POST_TRACE ? new Map<string, number[]>() : undefined;
  for (const r of reports) {
    for (const [marker, { times }] of Object.entries(r.markers ?? {})) {
      const s = sent.get(marker);
      if (!s) continue;
      delivered += times.length;
      if (s.status === 201) deliveredForAcked += times.length;
      for (const t of times) {
        latencies.push(t - s.at);
        if (t > lastArrival) lastArrival = t;
      }
      if (trace) {
        if (!trace.has(marker)) trace.set(marker, []);
        trace.get(marker)!.push(...times.map((t) => t - s.at));
      }
    }
  }
  if (trace) {
    const lines = [...sent].map(([marker, s]) => {
      const l = (trace.get(marker) ?? []).sort((a, b) => a - b);
      return JSON.stringify({ phase: opts.phase, at: +(s.at - t0).toFixed(1), ack: s.ackAt === undefined ? null : +(s.ackAt - s.at).toFixed(2), n: l.length, min: l[0], p50: l[l.length >> 1], max: l[l.length - 1] });
    });
    fs.appendFileSync(process.env.BENCH_POST_TRACE!, lines.join("\n") + "\n");
  }
  const wallMs = lastArrival - t0;
  return {
    posted: sent.size,
    acked: acked.length,
    expected,
    delivered,
    missing: expected - deliveredForAcked,
    duplicates: sum(reports.map((r) => r.duplicates ?? 0)),
    foreign: sum(reports.map((r) => r.foreign ?? 0)),
    failed,
    latency: latencyOf(latencies),
    wallMs,
    serverCpu,
    clientCpu,
    posterCpu: (poster.user + poster.system) / 1e6,
    deliveriesPerSec: delivered / (wallMs / 1000),
    deliveriesPerCpuSec: delivered / serverCpu,
    cpuPerPostMs: (serverCpu * 1000) / Math.max(1, acked.length),
  };
}

/** The sample Tandem event the load generators saw first, if any. */
async function sampleOf(fleet: Fleet): Promise<unknown> {
  return (await fleet.all({ cmd: "report" })).find((r) => r.sample)?.sample;
}

/**
 * Connect (and authenticate) sockets `from` to `to - 1`: socket g lives in
 * load generator g % fleet.size, on the target's process g % processes,
 * with account g's cookie.
 */
export async function connectSockets(fleet: Fleet, target: Target, from: number, to: number): Promise<void> {
  await fleet.all((i) => ({
    cmd: "connect",
    kind: target.kind,
    sockets: Array.from({ length: to - from }, (_, k) => from + k)
      .filter((g) => g % fleet.size === i)
      .map((g) => ({ url: target.urls[g % target.urls.length]!, cookie: target.accounts[g]?.cookie })),
    localAddresses: LOCAL_ADDRESSES,
    concurrency: 20,
  }));
}

/**
 * Memory (idle process, then per idle authenticated socket at each step),
 * then comment to screen (every socket in a room of `roomSize`) and fan-out
 * (the first `fanoutMembers` sockets also in one more room).
 */
export async function socketScenarios(target: Target, plan: SocketPlan): Promise<SocketResults> {
  const { log } = plan;
  const via = plan.via ?? (() => 0);
  const roomCount = plan.fanoutOnly || plan.memoryOnly ? 0 : Math.ceil(plan.sockets / plan.roomSize);
  // Rooms first: a new ticket is announced to every staff socket, which would disturb the measurements.
  const rooms: string[] = [];
  for (let r = 0; r < roomCount; r++) rooms.push(await target.createRoom());
  const fanRoom = plan.memoryOnly ? "" : await target.createRoom();

  await sleep(plan.idleMs ?? plan.settleMs);
  const idle = await memoryOf(target);
  log(`${target.label}: idle RSS ${(idle.rss / 2 ** 20).toFixed(0)} MB, heap ${(idle.heap / 2 ** 20).toFixed(0)} MB`);
  const idleGc = plan.memoryOnly ? await memoryAfterGc(target) : undefined;
  if (idleGc) log(`${target.label}: idle after GC: RSS ${(idleGc.rss / 2 ** 20).toFixed(0)} MB, heap ${(idleGc.heap / 2 ** 20).toFixed(1)} MB`);

  const fleet = Fleet.start(plan.clients);
  try {
    const memory: MemoryPoint[] = [];
    let connected = 0;
    let connectMs = 0;
    for (const step of plan.steps) {
      const t0 = performance.now();
      await connectSockets(fleet, target, connected, step);
      connectMs += performance.now() - t0;
      connected = step;
      await sleep(plan.settleMs);
      const m = await memoryOf(target);
      memory.push({ sockets: step, rss: m.rss, heap: m.heap, rssPerSocket: (m.rss - idle.rss) / step, heapPerSocket: (m.heap - idle.heap) / step });
      log(`${target.label}: ${step} sockets, RSS ${(m.rss / 2 ** 20).toFixed(0)} MB (${((m.rss - idle.rss) / step / 1024).toFixed(1)} KB/socket), heap ${(m.heap / 2 ** 20).toFixed(0)} MB (${((m.heap - idle.heap) / step / 1024).toFixed(1)} KB/socket)`);
    }

    if (plan.memoryOnly) {
      const last = await memoryAfterGc(target);
      const n = connected;
      const afterGc = {
        idle: idleGc!,
        last: { ...last, sockets: n, rssPerSocket: (last.rss - idleGc!.rss) / n, heapPerSocket: (last.heap - idleGc!.heap) / n },
      };
      log(`${target.label}: ${n} sockets after GC: RSS ${(last.rss / 2 ** 20).toFixed(0)} MB (${(afterGc.last.rssPerSocket / 1024).toFixed(1)} KB/socket), heap ${(last.heap / 2 ** 20).toFixed(0)} MB (${(afterGc.last.heapPerSocket / 1024).toFixed(1)} KB/socket)`);
      return { label: target.label, idle, memory, afterGc, connectMs, joinRetries: 0, commentToScreen: [], fanout: [] };
    }
    const members = new Map<string, number>();
    let joinRetries = 0;
    const join = async (pairs: { g: number; room: string }[], via?: "lists") => {
      for (const { room } of pairs) members.set(room, (members.get(room) ?? 0) + 1);
      const t0 = performance.now();
      const replies = await fleet.all((i) => ({
        cmd: "join",
        joins: pairs.filter(({ g }) => g % fleet.size === i).map(({ g, room }) => ({ index: Math.floor(g / fleet.size), room })),
        concurrency: 10,
        ...(via ? { via } : {}),
      }));
      const retries = sum(replies.map((r) => r.retries ?? 0));
      joinRetries += retries;
      log(`${target.label}: ${pairs.length} joins in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${retries} retried`);
    };

    const commentToScreen: PostPhase[] = [];
    if (!plan.fanoutOnly) {
      await join(Array.from({ length: plan.sockets }, (_, g) => ({ g, room: rooms[Math.floor(g / plan.roomSize)]! })));
      // The steady rate the scenario is about, not the joins' aftermath: at
      // 10,000 sockets the first repetition right after the joins had a p99
      // 4-10x the later ones' (the joins' garbage collected, presence
      // updates flushed meanwhile). Both servers get the same pause.
      await sleep(plan.settleMs);
      for (let rep = 0; rep < plan.repeats; rep++) {
        const r = await postPhase(target, fleet, {
          phase: `s1r${rep}`,
          rooms,
          members,
          rate: plan.commentRate,
          durationMs: plan.commentMs,
          via,
          poster: (i) => plan.sockets + (i % POSTERS),
        });
        commentToScreen.push(r);
        log(
          `${target.label}: comment to screen #${rep + 1}: ${r.acked} posts, p50 ${r.latency.p50.toFixed(1)} p99 ${r.latency.p99.toFixed(1)} max ${r.latency.max.toFixed(1)} ms; missing ${r.missing}, dup ${r.duplicates}`,
        );
      }
    }

    // Tandem's big rooms are the staff ticket lists: every agent with the list
    // open hears every ticket's comments, through the same emit as the
    // ticket's own room (src/server/policy.ts, deliveriesOf). A thousand
    // viewers of one ticket would also be one room, but each of their joins
    // sends the whole viewer list to all of them (presence), quadratic in
    // the room's size: BENCHMARKS.md reports that apart.
    const fan = Array.from({ length: Math.min(plan.fanoutMembers, plan.sockets) }, (_, g) => ({ g, room: fanRoom }));
    await join(fan, target.kind === "tandem" ? "lists" : undefined);
    const fanout: PostPhase[] = [];
    for (let rep = 0; rep < plan.repeats; rep++) {
      const r = await postPhase(target, fleet, {
        phase: `s2r${rep}`,
        rooms: [fanRoom],
        members,
        concurrency: plan.fanoutConcurrency,
        durationMs: plan.fanoutMs,
        via,
        poster: (i) => plan.sockets + (i % POSTERS),
      });
      fanout.push(r);
      log(
        `${target.label}: fan-out #${rep + 1}: ${r.acked} posts × ${fan.length}, ${Math.round(r.deliveriesPerSec)} deliveries/s, ${Math.round(r.deliveriesPerCpuSec)} per server CPU-s, ${r.cpuPerPostMs.toFixed(1)} ms CPU/post; missing ${r.missing}, dup ${r.duplicates}`,
      );
    }
    return { label: target.label, idle, memory, connectMs, joinRetries, commentToScreen, fanout, sample: target.kind === "tandem" ? await sampleOf(fleet) : undefined };
  } finally {
    await fleet.close();
  }
}

export type WritesResult = {
  label: string;
  tickets: number;
  writers: number;
  acked: number;
  perSec: number;
  p50: number;
  p99: number;
  refused: Record<string, number>;
  serverCpu: number;
  clientCpu: number;
};

/**
 * Comments acknowledged per second: `writers` closed loops (in a child
 * process), all on one ticket (`hot`) or each on its own; posts alternate
 * between the target's processes.
 */
export async function writes(target: Target, opts: { hot: boolean; writers: number; durationMs: number; firstAccount: number }): Promise<WritesResult & { hotTicket?: string }> {
  const tickets: string[] = [];
  for (let i = 0; i < (opts.hot ? 1 : opts.writers); i++) tickets.push(await target.createRoom());
  const job: WritersJob = {
    durationMs: opts.durationMs,
    writers: Array.from({ length: opts.writers }, (_, i) => ({
      url: target.urls[i % target.urls.length]!,
      cookie: target.accounts[opts.firstAccount + i]!.cookie,
      ticketId: tickets[i % tickets.length]!,
    })),
  };
  const cpu0 = cpuOf(target.pids);
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench", "writers.ts"), JSON.stringify(job)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  const code = await new Promise<number | null>((r) => child.once("close", r));
  if (code !== 0) throw new Error(`writers exited with ${code}`);
  const serverCpu = cpuOf(target.pids) - cpu0;
  const r = JSON.parse(out) as WritersResult;
  const lat = latencyOf(r.latencies);
  return {
    label: target.label,
    tickets: tickets.length,
    writers: opts.writers,
    acked: r.acked,
    perSec: r.acked / (r.wallMs / 1000),
    p50: lat.p50,
    p99: lat.p99,
    refused: r.refused,
    serverCpu,
    clientCpu: r.cpu,
    ...(opts.hot ? { hotTicket: tickets[0] } : {}),
  };
}

export type CatchUpResult = { missed: number; ms: number[]; counts: number[] };

/**
 * A client `missed` events behind rejoins `ticketId`, as the browser does,
 * `repeats` times. `events` is how many the ticket has; comments are added
 * first if that is fewer than `missed`.
 */
export async function catchUp(
  target: Target,
  opts: { ticketId: string; events: number; missed: number; repeats: number; account: number },
): Promise<CatchUpResult> {
  const topUp = Array.from({ length: Math.max(0, opts.missed - opts.events) }, (_, i) => i);
  for (let i = 0; i < topUp.length; i += 8) {
    await Promise.all(topUp.slice(i, i + 8).map((n) => target.post(0, opts.ticketId, `catch-up ${n}`, opts.account)));
  }
  const fleet = Fleet.start(1);
  try {
    const r = await fleet.send(0, {
      cmd: "catchup",
      url: target.urls[0]!,
      cookie: target.accounts[opts.account]!.cookie,
      ticketId: opts.ticketId,
      missed: opts.missed,
      repeats: opts.repeats,
    });
    return { missed: opts.missed, ...r.catchup! };
  } finally {
    await fleet.close();
  }
}
