/**
 * For scripts/test-cpu.cjs, which reports a test file's CPU as its process's
 * plus that of the children it waited for (the kernel's cutime and cstime).
 * Two kinds of child escape that count, and their CPU was missing from the
 * per-file report (found with process accounting, `accton`, over a CI run:
 * Chromium about 310 CPU-seconds, PostgreSQL about 50):
 * - Chromium's zygotes outlive the browser process when it closes, so they and
 *   every renderer they reaped are reaped by init (tests/helpers/browser.ts);
 * - the test process's own PostgreSQL is killed as the process exits, never
 *   waited for (tests/helpers/server.ts).
 * Their CPU is read from /proc while they still run and added by hand. Linux
 * only; elsewhere every figure is 0.
 */
import fs from "node:fs";

const UNREAPED = Symbol.for("tandem.test.unreapedCpuTicks");
const AT_EXIT = Symbol.for("tandem.test.cpuAtExit");
const g = globalThis as unknown as Record<symbol, unknown>;

/** CPU (in clock ticks) that will not come back through this process's children. */
export function addUnreapedTicks(ticks: number): void {
  if (ticks > 0) g[UNREAPED] = ((g[UNREAPED] as number | undefined) ?? 0) + ticks;
}

/** `ticks()` is read when the test file's process exits, before its exit handlers kill what it started. */
export function countAtExit(ticks: () => number): void {
  ((g[AT_EXIT] ??= []) as Array<() => number>).push(ticks);
}

/** /proc/<pid>/stat's fields from field 3 (state) on, or null once the process is gone. */
function statFields(pid: number | "self"): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

type Proc = { pid: number; ppid: number; session: number; ticks: number };

/** Every live process: its own CPU and that of the children it reaped (ticks). */
function processes(): Proc[] {
  let dirs: string[];
  try {
    dirs = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const out: Proc[] = [];
  for (const d of dirs) {
    const f = statFields(Number(d));
    if (f) out.push({ pid: Number(d), ppid: Number(f[1]), session: Number(f[3]), ticks: [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0) });
  }
  return out;
}

export function childrenOf(parent: number): number[] {
  return processes()
    .filter((p) => p.ppid === parent)
    .map((p) => p.pid);
}

export function commOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** The CPU of every live process of a session (ticks). */
export function sessionTicks(session: number): number {
  return processes()
    .filter((p) => p.session === session)
    .reduce((sum, p) => sum + p.ticks, 0);
}

/** The CPU of a live process and its live descendants (ticks); 0 for no process. */
export function treeTicks(root: number): number {
  if (root <= 0) return 0;
  const all = processes();
  const inTree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => inTree.has(p.pid)).reduce((sum, p) => sum + p.ticks, 0);
}

/** What this process's waited-for children used so far (ticks). */
export function reapedTicks(): number {
  const f = statFields("self");
  return f ? Number(f[13]) + Number(f[14]) : 0;
}
