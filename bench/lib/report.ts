/**
 * BENCHMARKS.md and BENCHMARKS.svg from one full run's results: tables with
 * ratios to bare Socket.IO, each target of issue 11 marked met or missed, the
 * machine and how busy it was. The chart is plain SVG written here (no
 * network, no charting library).
 */
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../../tests/helpers/server";
import type { BenchResults } from "../run";
import { median } from "./measure";
import type { PostPhase, SocketResults } from "./scenarios";

const MB = 2 ** 20;
const KB = 1024;

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "–");
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "–");

/** Median over the repetitions of one metric of a phase. */
const med = (phases: PostPhase[] | undefined, pick: (p: PostPhase) => number) => median((phases ?? []).map(pick));

type Target = { what: string; goal: string; measured: string; met: boolean | null };

function verdict(met: boolean | null) {
  return met === null ? "not measured" : met ? "**met**" : "**missed**";
}

export function targetsOf(r: BenchResults): Target[] {
  const t = r.tandem;
  const b = r.bare;
  const fanRatio = med(t?.fanout, (p) => p.deliveriesPerCpuSec) / med(b?.fanout, (p) => p.deliveriesPerCpuSec);
  const bareCpu = med(b?.fanout, (p) => p.cpuPerPostMs);
  const beyondPg = med(t?.fanout, (p) => p.cpuPerPostMs) - bareCpu;
  const beyondEmb = med(r.embedded?.fanout, (p) => p.cpuPerPostMs) - bareCpu;
  const p99 = med(t?.commentToScreen, (p) => p.latency.p99);
  const lastT = (r.memoryRun?.tandem ?? t)?.memory.at(-1);
  const lastB = (r.memoryRun?.bare ?? b)?.memory.at(-1);
  const memRatio = lastT && lastB ? lastT.rssPerSocket / lastB.rssPerSocket : NaN;
  const gcT = (r.memoryRun?.tandem ?? t)?.afterGc?.last;
  const gcB = (r.memoryRun?.bare ?? b)?.afterGc?.last;
  const memRatioGc = gcT && gcB ? gcT.rssPerSocket / gcB.rssPerSocket : NaN;
  const hotPg = r.writes.find((w) => w.tickets === 1 && w.label.includes("PostgreSQL"));
  const manyEmb = r.writes.find((w) => w.tickets > 1 && w.label.includes("embedded"));
  const catchUp = r.catchUp ? median(r.catchUp.ms) : NaN;
  const known = (n: number) => (Number.isFinite(n) ? n : null);
  const ab = r.fanoutAb;
  // Numbers taken from the run before the changes (`--before`) say so.
  const was = (part: string) => (r.reused?.includes(part) ? " (run before the changes)" : "");
  // The full run's main Tandem is on PostgreSQL; a quick run's on the embedded database.
  const db = t?.label.includes("embedded") ? "embedded" : "PostgreSQL";
  const check = (n: number, ok: (n: number) => boolean) => (known(n) === null ? null : ok(n));
  return [
    // With interleaved pairs (bench/fanout-ab.ts) those decide: Tandem and bare minutes apart share less of the machine's speed.
    ab
      ? { what: `Fan-out at ${f0(r.plan.fanoutMembers)} members, per server CPU-second, ${ab.db === "embedded" ? "embedded" : "PostgreSQL"}`, goal: "≥ 0.9× bare", measured: `${f2(ab.ratio)}× (median of ${ab.pairs.length} interleaved pairs; ${f2(fanRatio)}× from this run's medians)`, met: check(ab.ratio, (n) => n >= 0.9) }
      : { what: `Fan-out at ${f0(r.plan.fanoutMembers)} members, per server CPU-second, ${db}`, goal: "≥ 0.9× bare", measured: `${f2(fanRatio)}×`, met: check(fanRatio, (n) => n >= 0.9) },
    ab && ab.db !== "embedded"
      ? { what: "Server CPU per comment beyond the broadcast, PostgreSQL", goal: "≤ 3 ms", measured: `${f1(ab.beyondMs)} ms (median of ${ab.pairs.length} interleaved pairs; ${f1(beyondPg)} ms from this run's medians)`, met: check(ab.beyondMs, (n) => n <= 3) }
      : { what: `Server CPU per comment beyond the broadcast, ${db}`, goal: db === "embedded" ? "≤ 6 ms" : "≤ 3 ms", measured: `${f1(beyondPg)} ms`, met: check(beyondPg, (n) => n <= (db === "embedded" ? 6 : 3)) },
    r.fanoutAbEmbedded
      ? { what: "Server CPU per comment beyond the broadcast, embedded", goal: "≤ 6 ms", measured: `${f1(r.fanoutAbEmbedded.beyondMs)} ms (median of ${r.fanoutAbEmbedded.pairs.length} interleaved pairs; ${f1(beyondEmb)} ms from this run's medians)`, met: check(r.fanoutAbEmbedded.beyondMs, (n) => n <= 6) }
      : { what: "Server CPU per comment beyond the broadcast, embedded", goal: "≤ 6 ms", measured: `${f1(beyondEmb)} ms`, met: check(beyondEmb, (n) => n <= 6) },
    { what: `Comment to screen at ${f0(r.plan.sockets)} sockets, p99`, goal: "≤ 10 ms", measured: `${f1(p99)} ms`, met: check(p99, (n) => n <= 10) },
    { what: `RSS per idle authenticated socket at ${f0(lastT?.sockets ?? NaN)}`, goal: "≤ 1.2× bare", measured: `${f2(memRatio)}×${Number.isFinite(memRatioGc) ? `; after a forced collection ${f2(memRatioGc)}×` : ""}${r.memoryRun ? ` (--memory-only run${was("memoryRun") ? ", before the changes" : ""})` : ""}`, met: check(memRatio, (n) => n <= 1.2) },
    { what: `Idle process RSS, ${db}`, goal: "≤ 250 MB", measured: `${f0((t?.idle.rss ?? NaN) / MB)} MB`, met: check((t?.idle.rss ?? NaN) / MB, (n) => n <= 250) },
    { what: "Idle process RSS, embedded", goal: "≤ 250 MB", measured: `${f0((r.embedded?.idle.rss ?? NaN) / MB)} MB`, met: check((r.embedded?.idle.rss ?? NaN) / MB, (n) => n <= 250) },
    { what: "Writes across tickets, PostgreSQL, 2 processes", goal: "≥ 1,000/s", measured: `${f0(r.scale?.writes.perSec ?? NaN)}/s${was("scale")}`, met: check(r.scale?.writes.perSec ?? NaN, (n) => n >= 1000) },
    { what: "Writes on one hot ticket (50 writers), PostgreSQL", goal: "≥ 300/s", measured: `${f0(hotPg?.perSec ?? NaN)}/s`, met: check(hotPg?.perSec ?? NaN, (n) => n >= 300) },
    { what: "Writes across tickets, embedded", goal: "≥ 200/s", measured: `${f0(manyEmb?.perSec ?? NaN)}/s`, met: check(manyEmb?.perSec ?? NaN, (n) => n >= 200) },
    { what: `Catch-up of ${f0(r.catchUp?.missed ?? NaN)} missed events`, goal: "≤ 100 ms", measured: `${f0(catchUp)} ms`, met: check(catchUp, (n) => n <= 100) },
    { what: "Restart to ready", goal: "≤ 3 s", measured: `${f2(r.restart?.medianSeconds ?? NaN)} s${was("restart")}`, met: check(r.restart?.medianSeconds ?? NaN, (n) => n <= 3) },
  ];
}

function latencyRows(rows: { label: string; phases: PostPhase[] | undefined }[], base: PostPhase[] | undefined): string[] {
  const out = ["| server | posts | deliveries | p50 ms | p95 ms | p99 ms | max ms | p99 vs bare | load generators' CPU-s |", "|---|---|---|---|---|---|---|---|---|"];
  for (const { label, phases } of rows) {
    if (!phases?.length) continue;
    const p99 = med(phases, (p) => p.latency.p99);
    out.push(
      `| ${label} | ${f0(med(phases, (p) => p.acked))} | ${f0(med(phases, (p) => p.delivered))} | ${f1(med(phases, (p) => p.latency.p50))} | ${f1(med(phases, (p) => p.latency.p95))} | ${f1(p99)} | ${f1(med(phases, (p) => p.latency.max))} | ${ratio(p99, med(base, (p) => p.latency.p99))} | ${f1(med(phases, (p) => p.clientCpu))} |`,
    );
  }
  return out;
}

function fanoutRows(rows: { label: string; phases: PostPhase[] | undefined }[], base: PostPhase[] | undefined): string[] {
  const out = [
    "| server | posts | deliveries/s | deliveries per server CPU-s | vs bare | server CPU ms per post | load generators' CPU-s |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const { label, phases } of rows) {
    if (!phases?.length) continue;
    const perCpu = med(phases, (p) => p.deliveriesPerCpuSec);
    out.push(
      `| ${label} | ${f0(med(phases, (p) => p.acked))} | ${f0(med(phases, (p) => p.deliveriesPerSec))} | ${f0(perCpu)} | ${ratio(perCpu, med(base, (p) => p.deliveriesPerCpuSec))} | ${f1(med(phases, (p) => p.cpuPerPostMs))} | ${f1(med(phases, (p) => p.clientCpu))} |`,
    );
  }
  return out;
}

function memoryRows(t: SocketResults | undefined, b: SocketResults | undefined): string[] {
  const out = ["| sockets | Tandem RSS/socket | bare RSS/socket | ratio | Tandem heap/socket | bare heap/socket | ratio |", "|---|---|---|---|---|---|---|"];
  for (const m of t?.memory ?? []) {
    const bm = b?.memory.find((x) => x.sockets === m.sockets);
    out.push(
      `| ${f0(m.sockets)} | ${f1(m.rssPerSocket / KB)} KB | ${f1((bm?.rssPerSocket ?? NaN) / KB)} KB | ${ratio(m.rssPerSocket, bm?.rssPerSocket ?? NaN)} | ${f1(m.heapPerSocket / KB)} KB | ${f1((bm?.heapPerSocket ?? NaN) / KB)} KB | ${ratio(m.heapPerSocket, bm?.heapPerSocket ?? NaN)} |`,
    );
  }
  const g = t?.afterGc?.last;
  const gb = b?.afterGc?.last;
  if (g) {
    out.push(
      `| ${f0(g.sockets)}, after a forced collection | ${f1(g.rssPerSocket / KB)} KB | ${f1((gb?.rssPerSocket ?? NaN) / KB)} KB | ${ratio(g.rssPerSocket, gb?.rssPerSocket ?? NaN)} | ${f1(g.heapPerSocket / KB)} KB | ${f1((gb?.heapPerSocket ?? NaN) / KB)} KB | ${ratio(g.heapPerSocket, gb?.heapPerSocket ?? NaN)} |`,
    );
  }
  return out;
}

/** Key numbers of this run beside the run before the changes (`--before`). */
function beforeAfter(r: BenchResults): string[] {
  const b = r.before!;
  const row = (what: string, before: number, after: number, fmt: (n: number) => string) => `| ${what} | ${fmt(before)} | ${fmt(after)} | ${ratio(after, before)} |`;
  const w = (runs: BenchResults["writes"], hot: boolean, db: string) => runs.find((x) => (x.tickets === 1) === hot && x.label.includes(db))?.perSec ?? NaN;
  return [
    "## Before and after the changes of this round",
    "",
    "| | before | after | after ÷ before |",
    "|---|---|---|---|",
    row(`fan-out, deliveries per server CPU-s (${r.tandem?.label})`, med(b.tandem?.fanout, (p) => p.deliveriesPerCpuSec), med(r.tandem?.fanout, (p) => p.deliveriesPerCpuSec), f0),
    row(`fan-out, server CPU ms per comment (${r.tandem?.label})`, med(b.tandem?.fanout, (p) => p.cpuPerPostMs), med(r.tandem?.fanout, (p) => p.cpuPerPostMs), f1),
    row("fan-out, server CPU ms per comment (Tandem, embedded)", med(b.embedded?.fanout, (p) => p.cpuPerPostMs), med(r.embedded?.fanout, (p) => p.cpuPerPostMs), f1),
    row(`comment to screen p50 ms (${r.tandem?.label})`, med(b.tandem?.commentToScreen, (p) => p.latency.p50), med(r.tandem?.commentToScreen, (p) => p.latency.p50), f1),
    row(`comment to screen p99 ms (${r.tandem?.label})`, med(b.tandem?.commentToScreen, (p) => p.latency.p99), med(r.tandem?.commentToScreen, (p) => p.latency.p99), f1),
    row("writes/s, one hot ticket, PostgreSQL", w(b.writes, true, "PostgreSQL"), w(r.writes, true, "PostgreSQL"), f0),
    row("writes/s, many tickets, PostgreSQL", w(b.writes, false, "PostgreSQL"), w(r.writes, false, "PostgreSQL"), f0),
    row("writes/s, one hot ticket, embedded", w(b.writes, true, "embedded"), w(r.writes, true, "embedded"), f0),
    row("writes/s, many tickets, embedded", w(b.writes, false, "embedded"), w(r.writes, false, "embedded"), f0),
    "",
    `Before: ${b.startedAt.slice(0, 16).replace("T", " ")} UTC, load average ${b.machineBefore.load.join(" / ")}; after: ${r.startedAt.slice(0, 16).replace("T", " ")} UTC, load average ${r.machineBefore.load.join(" / ")}. Other work on the machine differed between the two runs, so latencies and throughputs compare loosely; CPU per comment compares best (see the A/B measurement in the findings).${
      b.machineBefore.speedMarkerMs && r.machineBefore.speedMarkerMs
        ? ` One core's speed marker: ${b.machineBefore.speedMarkerMs} ms before, ${r.machineBefore.speedMarkerMs} ms after (lower is faster).`
        : r.machineBefore.speedMarkerMs
          ? " The run before has no speed marker (it predates it), so how fast the machine was then is not known; A/B measurements in the same minutes (bench/findings.md) are what show a change's effect."
          : ""
    }`,
  ];
}

function correctness(r: BenchResults): string[] {
  const all: { label: string; p: PostPhase }[] = [];
  const add = (label: string, ps: PostPhase[] | undefined) => ps?.forEach((p) => all.push({ label, p }));
  for (const s of [r.tandem, r.bare, r.scale?.tandem, r.scale?.bare]) {
    add(`${s?.label}, comment to screen`, s?.commentToScreen);
    add(`${s?.label}, fan-out`, s?.fanout);
  }
  add("Tandem, embedded, fan-out", r.embedded?.fanout);
  const bad = all.filter(({ p }) => p.missing || p.duplicates || p.foreign);
  const unacked = all.filter(({ p }) => p.acked !== p.posted);
  const total = all.reduce((n, { p }) => n + p.delivered, 0);
  const out = bad.length
    ? [
        "Delivery problems (these make the numbers above suspect):",
        "",
        ...bad.map(({ label, p }) => `- ${label}: ${p.missing} missing, ${p.duplicates} duplicates, ${p.foreign} to sockets outside the room`),
      ]
    : [`Every acknowledged post reached every member of its room exactly once, and no other socket: ${f0(total)} deliveries in ${all.length} phases.`];
  if (unacked.length) {
    out.push(
      "",
      "Posts the server did not acknowledge (not counted as expected deliveries):",
      "",
      ...unacked.map(({ label, p }) => `- ${label}: ${p.posted - p.acked} of ${p.posted}${p.failed ? ` (HTTP status: ${Object.entries(p.failed).map(([k, n]) => `${k === "-1" ? "no answer" : k} × ${n}`).join(", ")})` : ""}`),
    );
  }
  return out;
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machineBefore;
  const after = r.machineAfter ?? m;
  const busy = Math.max(m.load[0]!, after.load[0]!) > m.cores * 0.75;
  const t = r.tandem;
  const b = r.bare;
  const L: string[] = [];
  L.push("# Benchmarks");
  L.push("");
  L.push(
    "Tandem side by side with a bare Socket.IO 4.8 server (`bench/bare-server.mjs`: the same package versions and server options, an HTTP POST that emits a same-size payload to the same room, nothing else) in the same run, on the production build. Produced by `npm run bench` (`bench/run.ts`); the chart is [`BENCHMARKS.svg`](BENCHMARKS.svg). Issue 11 describes the scenarios and targets.",
  );
  L.push("");
  L.push(`Run: ${r.startedAt.slice(0, 16).replace("T", " ")} UTC to ${(r.finishedAt ?? "").slice(11, 16)} UTC, ${r.mode} mode, medians of ${r.plan.repeats} repetitions.`);
  L.push("");
  L.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, Linux ${m.kernel}, \`ulimit -n\` ${m.ulimitN}. Load average (1/5/15 min) ${m.load.join(" / ")} before, ${after.load.join(" / ")} after.${m.speedMarkerMs ? ` Speed of one core: a fixed loop of 10⁸ steps took ${m.speedMarkerMs} ms before the run${after.speedMarkerMs ? ` and ${after.speedMarkerMs} ms after` : ""} (\`speedMarkerMs\` in bench/lib/measure.ts; this virtual machine has been up to 1.6× slower on some days than on others, so compare CPU times across runs next to it).` : ""}`);
  if (busy) {
    L.push("");
    L.push(
      `> **Preliminary.** The machine was shared with other work during this run (load average well above its ${m.cores} cores), so absolute times and throughputs are pessimistic and noisy. Ratios to bare Socket.IO, measured in the same run under the same load, are the more reliable numbers; CPU-seconds per delivery are less affected by waiting than latencies are.`,
    );
  }
  L.push("");
  if (r.reused?.length) {
    L.push("");
    L.push(
      `Taken from the run before the changes (${r.before?.startedAt.slice(0, 16).replace("T", " ")} UTC), as they do not depend on them: ${r.reused.map((k) => ({ bare: "bare Socket.IO", scale: "scale-out", restart: "restart", memoryRun: "memory at 10,000 sockets" })[k] ?? k).join(", ")}.`,
    );
  }
  L.push("");
  if (r.before) L.push(...beforeAfter(r), "");
  L.push("## Targets");
  L.push("");
  L.push("| target | goal | measured | |");
  L.push("|---|---|---|---|");
  for (const x of targetsOf(r)) L.push(`| ${x.what} | ${x.goal} | ${x.measured} | ${verdict(x.met)} |`);
  L.push("");
  L.push(
    "\"Beyond the broadcast\" is Tandem's server CPU per comment in the fan-out scenario minus bare Socket.IO's: what the HTTP route, session check, transaction, event log and relay add to the same emit. On PostgreSQL the database server's own CPU is not counted (it is another process); on the embedded database it is.",
  );
  L.push("");
  L.push("## Delivery");
  L.push("");
  L.push(...correctness(r));
  L.push("");
  L.push(`## 1. Comment to screen (${f0(r.plan.sockets)} idle authenticated sockets, rooms of ${r.plan.roomSize})`);
  L.push("");
  L.push(
    `Comments posted over HTTP at ${r.plan.commentRate}/s for ${r.plan.commentMs / 1000} s, round robin over the rooms; time from sending the POST to each member's \`comment:added\`, measured in the load generators (${r.plan.clients} processes).`,
  );
  L.push("");
  L.push(...latencyRows([{ label: t?.label ?? "Tandem", phases: t?.commentToScreen }, { label: "bare Socket.IO", phases: b?.commentToScreen }], b?.commentToScreen));
  L.push("");
  L.push(
    `Joining the rooms (${f0(r.plan.sockets + r.plan.fanoutMembers)} \`ticket:join\`s, ten in flight per load generator): Tandem refused ${f0(t?.joinRetries ?? NaN)} as retryable (UNAVAILABLE: no database connection free in time, or RATE_LIMITED), which the load generator retried as the browser does; bare ${f0(b?.joinRetries ?? NaN)}.`,
  );
  L.push("");
  L.push(`## 2. Fan-out throughput (one room of ${f0(r.plan.fanoutMembers)})`);
  L.push("");
  L.push(
    `Tandem's room of ${f0(r.plan.fanoutMembers)} is the staff ticket list: that many agents with the list open (\`lists:watch\`) hear every comment, through the same emit as the ticket's own room. Not ${f0(r.plan.fanoutMembers)} viewers of one ticket: see the findings below on presence. ${r.plan.fanoutConcurrency} posts in flight for ${r.plan.fanoutMs / 1000} s (the next when one is answered); server CPU from /proc/<pid>/stat between the first post and the last delivery. The ${f0(r.plan.sockets - r.plan.fanoutMembers)} other sockets of scenario 1 stay connected.`,
  );
  L.push("");
  L.push(
    ...fanoutRows(
      [
        { label: t?.label ?? "Tandem", phases: t?.fanout },
        { label: "Tandem, embedded (only these 1,000 sockets connected)", phases: r.embedded?.fanout },
        { label: "bare Socket.IO", phases: b?.fanout },
      ],
      b?.fanout,
    ),
  );
  L.push("");
  for (const ab of [r.fanoutAb, r.fanoutAbEmbedded]) {
    if (!ab) continue;
    L.push(
      `Interleaved (\`bench/fanout-ab.ts${ab.db === "embedded" ? " --db embedded" : ""}\`, ${ab.startedAt.slice(0, 16).replace("T", " ")} UTC), Tandem on ${ab.db === "embedded" ? "the embedded database" : "PostgreSQL"}: the same scenario with both servers up and their repetitions alternating, Tandem then bare, bare then Tandem, each pair seconds apart. The table above measures all of Tandem, then all of bare Socket.IO minutes later, and this machine's speed moved by up to 1.7× within one run, so the pairs' ratios are the ones the targets use. Only the room's 1,000 sockets are connected here.`,
    );
    L.push("");
    L.push("| pair | Tandem deliveries per server CPU-s | bare | ratio | Tandem CPU ms per post | bare | beyond the broadcast, ms | speed marker, ms |");
    L.push("|---|---|---|---|---|---|---|---|");
    ab.pairs.forEach((p, i) =>
      L.push(
        `| ${i + 1} | ${f0(p.tandem.deliveriesPerCpuSec)} | ${f0(p.bare.deliveriesPerCpuSec)} | ${f2(p.tandem.deliveriesPerCpuSec / p.bare.deliveriesPerCpuSec)}× | ${f1(p.tandem.cpuPerPostMs)} | ${f1(p.bare.cpuPerPostMs)} | ${f1(p.tandem.cpuPerPostMs - p.bare.cpuPerPostMs)} | ${p.speedMarkerMs} |`,
      ),
    );
    L.push(`| median | | | **${f2(ab.ratio)}×** | | | **${f1(ab.beyondMs)}** | |`);
    L.push("");
  }
  L.push("## 3. Memory per idle authenticated socket");
  L.push("");
  L.push(
    "Connected and authenticated, in no ticket room yet; (RSS − idle RSS) / sockets, read from /proc after the connections settle. Heap is V8's used heap as the process reports it (Tandem's `/metrics`, the bare server's `process.memoryUsage()`), garbage included, so both depend on when V8 last collected: Tandem's handshakes (session decryption, session query) leave far more garbage than bare Socket.IO's. A `--memory-only` run also reads both after a full collection forced from outside (bench/lib/gc.ts), idle and at the last step: what the sockets really keep.",
  );
  L.push("");
  if (r.memoryRun) {
    L.push(
      `From a separate run with ${f0(r.memoryRun.sockets)} sockets (\`npm run bench -- --memory-only\`, ${r.memoryRun.startedAt.slice(0, 16).replace("T", " ")} UTC, load average ${r.memoryRun.machineBefore.load.join(" / ")}), Tandem on ${r.memoryRun.tandem?.label.includes("embedded") ? "the embedded database" : "PostgreSQL"}. (This run's own readings at ${(t?.memory ?? []).map((m) => f0(m.sockets)).join(" / ")} sockets are in its JSON; a few thousand sockets move RSS by less than the heap's own growth steps, so they say little.)`,
    );
    L.push("");
    L.push(...memoryRows(r.memoryRun.tandem, r.memoryRun.bare));
  } else {
    L.push(...memoryRows(t, b));
  }
  L.push("");
  L.push(
    `Idle process RSS: ${t?.label ?? "Tandem"} ${f0((t?.idle.rss ?? NaN) / MB)} MB (heap ${f0((t?.idle.heap ?? NaN) / MB)} MB); Tandem, embedded ${f0((r.embedded?.idle.rss ?? NaN) / MB)} MB (heap ${f0((r.embedded?.idle.heap ?? NaN) / MB)} MB); bare Socket.IO ${f0((b?.idle.rss ?? NaN) / MB)} MB.`,
  );
  L.push("");
  L.push("## 4. Writes");
  L.push("");
  L.push("Closed loops in a child process, each posting the next comment when the previous one is acknowledged (201); no sockets connected.");
  L.push("");
  L.push("| server | tickets | writers | acknowledged/s | p50 ms | p99 ms | server CPU-s | writers' CPU-s | refused |");
  L.push("|---|---|---|---|---|---|---|---|---|");
  for (const w of [...r.writes, ...(r.scale ? [r.scale.writes] : [])]) {
    L.push(`| ${w.label} | ${w.tickets} | ${w.writers} | ${f0(w.perSec)} | ${f0(w.p50)} | ${f0(w.p99)} | ${f1(w.serverCpu)} | ${f1(w.clientCpu)} | ${Object.keys(w.refused).length ? JSON.stringify(w.refused) : "none"} |`);
  }
  L.push("");
  if (r.scale) {
    const s = r.scale;
    L.push("## 5. Scale-out (two processes + Redis)");
    L.push("");
    L.push(
      "Scenarios 1 and 2 again with two processes of each server: sockets alternate between the processes and posts alternate too, so half of every room hears each comment from the process that did not take the POST (Tandem: through the database and each process's relay; bare: through @socket.io/redis-adapter). CPU is both processes together.",
    );
    L.push("");
    L.push(...latencyRows([{ label: s.tandem.label, phases: s.tandem.commentToScreen }, { label: s.bare.label, phases: s.bare.commentToScreen }], s.bare.commentToScreen));
    L.push("");
    L.push(...fanoutRows([{ label: s.tandem.label, phases: s.tandem.fanout }, { label: s.bare.label, phases: s.bare.fanout }], s.bare.fanout));
    L.push("");
    const cost = (two: PostPhase[], one: PostPhase[] | undefined) => ratio(med(two, (p) => p.cpuPerPostMs), med(one, (p) => p.cpuPerPostMs));
    L.push(
      `Cost of scale-out (server CPU per post, two processes ÷ one): Tandem ${cost(s.tandem.fanout, t?.fanout)}, bare ${cost(s.bare.fanout, b?.fanout)}. p99 comment to screen, two ÷ one: Tandem ${ratio(med(s.tandem.commentToScreen, (p) => p.latency.p99), med(t?.commentToScreen, (p) => p.latency.p99))}, bare ${ratio(med(s.bare.commentToScreen, (p) => p.latency.p99), med(b?.commentToScreen, (p) => p.latency.p99))}.`,
    );
    L.push("");
  }
  if (r.catchUp) {
    L.push(`## 6. Catch-up (${f0(r.catchUp.missed)} missed events)`);
    L.push("");
    L.push(
      `A client that applied everything up to ${f0(r.catchUp.missed)} events ago rejoins the ticket as the browser does (src/hooks/use-live-ticket.ts): \`ticket:join\` with its last seq; beyond ${500} events the server answers RESYNC and the client fetches the rest over HTTP in pages, then joins again. From the first join to live: median ${f0(median(r.catchUp.ms))} ms over ${r.catchUp.ms.length} (${r.catchUp.ms.map((x) => f0(x)).join(", ")} ms); events received each time: ${[...new Set(r.catchUp.counts)].join(", ")}. Bare Socket.IO has no counterpart (its connection-state recovery does not work with the Redis adapter).`,
    );
    L.push("");
  }
  if (r.restart) {
    L.push("## 7. Restart");
    L.push("");
    L.push(`\`bench/restart.ts\`: process start to ready, median of 5 restarts on the embedded database: ${f2(r.restart.medianSeconds)} s.`);
    L.push("");
  }
  // Hand-written: what the profiles showed and what changed (bench/findings.md), kept across regenerations.
  const findings = path.join(ROOT, "bench", "findings.md");
  if (fs.existsSync(findings)) {
    L.push(fs.readFileSync(findings, "utf8").trim());
    L.push("");
  }
  L.push("## How to run");
  L.push("");
  L.push(
    "`npm run bench` (builds first) rewrites this file and the chart: the full run at 10,000 sockets took 10 to 11 minutes on this 2-core machine. A report is put together from saved runs: `npm run bench -- --before <the previous run>.json --out <this run>.json` runs everything and compares, `--memory-from <a --memory-only run>.json` puts a separate 10,000-socket memory run in as `memoryRun`, `--fanout-ab <bench/fanout-ab.ts output>.json` adds the interleaved fan-out pairs as `fanoutAb` (`--fanout-ab-embedded` those of `bench/fanout-ab.ts --db embedded`, for the embedded target, as `fanoutAbEmbedded`), and `--report-from <file>.json` rewrites this file and the chart from such a file alone; every round's files are in `bench/results/` (bench/findings.md says which made this report). `npm run bench -- --quick` runs 300 sockets on the embedded database in under a minute and writes nothing; `tests/scale/bench-quick.test.ts` runs it in CI and checks delivery only. `--only tandem,bare,embedded,scale,restart` runs parts; `--out file.json` keeps the raw numbers; `--cpu-prof dir` profiles the Tandem processes; `bench/comment-cost.ts` measures one comment's server CPU and statements alone (BENCH_SERVER_SCRIPT runs another build, for A/B).",
  );
  L.push("");
  L.push(
    "Authenticated sockets without 10,000 sign-ins: the harness inserts User and Session rows directly and signs next-auth JWTs with the server's secret (bench/lib/accounts.ts), which is exactly what the handshake checks. All sockets come from loopback, so the per-address socket cap is raised for the run (`SOCKET_MAX_PER_ADDRESS`), and the per-user creation limits are lifted as in the tests; nothing else differs from production settings (LOG_LEVEL stays `info`). Sockets spread over eight 127.0.0.x source addresses.",
  );
  L.push("");
  return L.join("\n");
}

/** A grouped bar chart: for each group, one bar per series, with its value written on it. */
function barChart(opts: { title: string; unit: string; groups: string[]; series: { name: string; color: string; values: number[] }[]; y: number; width: number }): { svg: string; height: number } {
  const { groups, series } = opts;
  const rowH = 18;
  const gap = 10;
  const labelW = 230;
  const plotW = opts.width - labelW - 90;
  const max = Math.max(...series.flatMap((s) => s.values.filter(Number.isFinite)), 1);
  const parts: string[] = [];
  let y = opts.y + 24;
  parts.push(`<text x="10" y="${opts.y + 14}" font-weight="bold">${esc(opts.title)} (${esc(opts.unit)})</text>`);
  for (const [gi, g] of groups.entries()) {
    parts.push(`<text x="${labelW - 8}" y="${y + (series.length * rowH) / 2 + 4}" text-anchor="end">${esc(g)}</text>`);
    for (const s of series) {
      const v = s.values[gi]!;
      const w = Number.isFinite(v) ? Math.max(1, (v / max) * plotW) : 0;
      parts.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 3}" fill="${s.color}"/>`);
      parts.push(`<text x="${labelW + w + 4}" y="${y + rowH - 6}" font-size="11">${Number.isFinite(v) ? esc(v >= 100 ? f0(v) : f1(v)) : "–"}</text>`);
      y += rowH;
    }
    y += gap;
  }
  return { svg: parts.join("\n"), height: y - opts.y };
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function renderSvg(r: BenchResults): string {
  const width = 760;
  const tandem = { name: r.tandem?.label ?? "Tandem", color: "#2f6fde" };
  const bare = { name: "bare Socket.IO", color: "#999999" };
  const charts: { svg: string; height: number }[] = [];
  let y = 40;
  const push = (c: { svg: string; height: number }) => {
    charts.push(c);
    y += c.height + 16;
  };
  const lat = (p: PostPhase[] | undefined, pick: (p: PostPhase) => number) => med(p, pick);
  const memT = r.memoryRun?.tandem ?? r.tandem;
  const memB = r.memoryRun?.bare ?? r.bare;
  push(
    barChart({
      title: `Comment to screen, ${f0(r.plan.sockets)} sockets`,
      unit: "ms, lower is better",
      groups: ["p50", "p95", "p99"],
      series: [
        { ...tandem, values: [lat(r.tandem?.commentToScreen, (p) => p.latency.p50), lat(r.tandem?.commentToScreen, (p) => p.latency.p95), lat(r.tandem?.commentToScreen, (p) => p.latency.p99)] },
        { ...bare, values: [lat(r.bare?.commentToScreen, (p) => p.latency.p50), lat(r.bare?.commentToScreen, (p) => p.latency.p95), lat(r.bare?.commentToScreen, (p) => p.latency.p99)] },
      ],
      y,
      width,
    }),
  );
  const perCpu = (p: PostPhase[] | undefined) => med(p, (x) => x.deliveriesPerCpuSec);
  push(
    barChart({
      title: `Fan-out to ${f0(r.plan.fanoutMembers)} sockets`,
      unit: "deliveries per server CPU-second, higher is better",
      groups: ["one process", "two processes + Redis"],
      series: [
        { ...tandem, values: [perCpu(r.tandem?.fanout), perCpu(r.scale?.tandem.fanout)] },
        { name: "Tandem, embedded", color: "#7aa6ef", values: [perCpu(r.embedded?.fanout), NaN] },
        { ...bare, values: [perCpu(r.bare?.fanout), perCpu(r.scale?.bare.fanout)] },
      ],
      y,
      width,
    }),
  );
  push(
    barChart({
      title: "Memory per idle authenticated socket",
      unit: "KB of RSS, lower is better",
      groups: (memT?.memory ?? []).map((m) => `${f0(m.sockets)} sockets`),
      series: [
        { ...tandem, values: (memT?.memory ?? []).map((m) => m.rssPerSocket / KB) },
        { ...bare, values: (memT?.memory ?? []).map((m) => (memB?.memory.find((b) => b.sockets === m.sockets)?.rssPerSocket ?? NaN) / KB) },
      ],
      y,
      width,
    }),
  );
  const legend = [tandem, { name: "Tandem, embedded", color: "#7aa6ef" }, bare]
    .map((s, i) => `<rect x="${10 + i * 250}" y="${y}" width="12" height="12" fill="${s.color}"/><text x="${28 + i * 250}" y="${y + 10}">${esc(s.name)}</text>`)
    .join("\n");
  const height = y + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">Tandem beside bare Socket.IO (${esc(r.startedAt.slice(0, 10))}, ${esc(r.machineBefore.cpu)} × ${r.machineBefore.cores})</text>`,
    ...charts.map((c) => c.svg),
    legend,
    "</svg>",
    "",
  ].join("\n");
}

/** Write BENCHMARKS.md and BENCHMARKS.svg at the repository root; returns their paths. */
export function writeReport(r: BenchResults): { md: string; svg: string } {
  const md = path.join(ROOT, "BENCHMARKS.md");
  const svg = path.join(ROOT, "BENCHMARKS.svg");
  fs.writeFileSync(md, renderMarkdown(r));
  fs.writeFileSync(svg, renderSvg(r));
  return { md, svg };
}
