/**
 * What the harness measures from outside a process: CPU time and memory from
 * /proc (so the server needs no instrumentation), percentiles, and the machine.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (100 on Linux, asked once). */
let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User and kernel (system) CPU seconds from a /proc/<pid>[/task/<tid>]/stat text. */
function statTimes(stat: string): { user: number; system: number } {
  // The command name (field 2) may contain spaces; the fields after its ")" are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
  return { user: Number(fields[11]) / clockTicks(), system: Number(fields[12]) / clockTicks() };
}

/** CPU seconds of `pid` (all threads) split into user and kernel (system) time. */
export function cpuSplit(pid: number): { user: number; system: number } {
  return statTimes(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/** CPU seconds (user + system, all threads) that process `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

/** CPU seconds of each thread of `pid`, by thread name (comm), summed per name. */
export function cpuByThread(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = tid === String(pid) ? "main" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\d+$/, "");
    const { user, system } = statTimes(stat);
    out.set(name, (out.get(name) ?? 0) + user + system);
  }
  return out;
}

/** Resident memory of `pid` in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** The CPU seconds of several processes together (e.g. the two app processes of a scale-out run). */
export function cpuOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** Percentile `p` (0-100) of an ascending array, nearest rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

export type Latency = { n: number; p50: number; p95: number; p99: number; max: number };

export function latencyOf(samples: number[]): Latency {
  const sorted = Float64Array.from(samples).sort();
  const arr = Array.from(sorted);
  return { n: arr.length, p50: percentile(arr, 50), p95: percentile(arr, 95), p99: percentile(arr, 99), max: arr.at(-1) ?? NaN };
}

/** A wall-clock timestamp in ms with sub-millisecond resolution, comparable between processes of one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export type Machine = {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  kernel: string;
  load: number[];
  ulimitN: string;
  /** ms a fixed single-threaded loop took (speedMarkerMs): absent in runs from before it existed. */
  speedMarkerMs?: number;
};

/**
 * How fast one core of this machine is right now, as the ms a fixed loop
 * takes (lower is faster). The same model name has run 1.6× slower on some
 * days than on others here (a shared virtual machine): per-comment CPU
 * figures from two runs compare only next to this marker.
 */
export function speedMarkerMs(): number {
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    let x = 0;
    for (let i = 0; i < 1e8; i++) x = (x + (i % 7)) | 0;
    best = Math.min(best, performance.now() - t0 + (x === -1 ? 1 : 0));
  }
  return Math.round(best);
}

export function machine(): Machine {
  let ulimitN = "?";
  try {
    ulimitN = execFileSync("bash", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
  } catch {
    /* unknown */
  }
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    load: os.loadavg().map((l) => Math.round(l * 100) / 100),
    ulimitN,
    speedMarkerMs: speedMarkerMs(),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
