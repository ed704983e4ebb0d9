/**
 * Give freed memory back to the operating system when the process goes idle.
 *
 * Why: glibc keeps memory that was freed inside its heaps resident until
 * the free space reaches the top of a heap. An embedded process's idle RSS
 * read 242–244 MB in most runs and 279–283 MB in about one run of three
 * (bench/findings.md, twenty-first round): one 64 MB malloc arena fully
 * resident, left by the optimizing compiler's bursts while PGlite's
 * WebAssembly tiers up, and almost all of it free. glibc's `malloc_trim(0)`
 * releases the free pages inside every arena, not only at their tops
 * (`MALLOC_TRIM_THRESHOLD_` does not: in those runs the free space was
 * below a live allocation): called then, the same process read 216 MB.
 * Ruby calls it after a full collection for the same reason.
 *
 * When: once per quiet spell. The event loop's utilization is read every
 * `windowMs`; the first window below BUSY_UTILIZATION after a busier one
 * (or after start-up, whose compiles leave the most) trims, and windows
 * that stay quiet do not trim again, so a process under load never pays
 * for it and an idle one pays once. A trim walks the free lists (0.3 ms in
 * a small process, longer with a large heap), so it runs on libuv's thread
 * pool, not the event loop: a request arriving meanwhile does not wait for
 * it (glibc locks one arena at a time while it trims it).
 */
import { performance, type EventLoopUtilization } from "node:perf_hooks";

/** A window in which the event loop ran at least this share of the time was not idle. */
export const BUSY_UTILIZATION = 0.05;

export type IdleTrim = {
  /** One window's decision (the timer calls it; exported for tests): true if it started a trim. */
  tick(): boolean;
  stop(): void;
};

export type IdleTrimOptions = {
  /** How long a quiet window is. */
  windowMs: number;
  /** Gives free memory back (glibc's malloc_trim); resolves when done. */
  trim: () => void | Promise<void>;
  /** The event loop's utilization since the previous call (0..1); defaults to perf_hooks'. */
  utilization?: () => number;
  /** Resident memory in bytes, read around each trim. */
  rss?: () => number;
  /** After each trim: resident bytes given back (never negative) and how long it took. */
  onTrim?: (result: { freedBytes: number; ms: number }) => void;
  /** A trim that failed (it is tried again after the next busy window). */
  onError?: (error: unknown) => void;
};

/** The event loop's utilization between calls, from perf_hooks. */
function utilizationSince(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    return utilization;
  };
}

export function startIdleTrim(opts: IdleTrimOptions): IdleTrim {
  const utilization = opts.utilization ?? utilizationSince();
  const rss = opts.rss ?? (() => process.memoryUsage.rss());
  // Start-up counts as activity: its compiles leave the most behind.
  let activeSinceTrim = true;
  let trimming = false;
  const tick = (): boolean => {
    if (utilization() >= BUSY_UTILIZATION) {
      activeSinceTrim = true;
      return false;
    }
    if (!activeSinceTrim || trimming) return false;
    activeSinceTrim = false;
    trimming = true;
    const before = rss();
    const t0 = performance.now();
    void (async () => {
      try {
        await opts.trim();
        opts.onTrim?.({ freedBytes: Math.max(0, before - rss()), ms: performance.now() - t0 });
      } catch (e) {
        opts.onError?.(e);
      } finally {
        trimming = false;
      }
    })();
    return true;
  };
  const timer = setInterval(tick, opts.windowMs);
  // Never what keeps the process alive.
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}

/**
 * glibc's `malloc_trim(0)`, through koffi (a maintained FFI library whose
 * prebuilt binaries come with the npm package: nothing is compiled at
 * install, and no compiler is needed). Node exposes no such call, and a
 * native addon of our own would need a C++ toolchain on every machine that
 * installs Tandem. Loaded on first use. Where there is no glibc (macOS,
 * Alpine's musl) it returns why instead, and the caller does without.
 */
export async function loadMallocTrim(): Promise<{ trim: () => Promise<void> } | { unavailable: string }> {
  if (process.platform !== "linux") return { unavailable: `not on ${process.platform} (glibc only)` };
  try {
    const { load } = await import("koffi");
    const libc = load("libc.so.6");
    const mallocTrim = libc.func("int malloc_trim(size_t pad)");
    // koffi's async call runs it on libuv's thread pool.
    const trim = () =>
      new Promise<void>((resolve, reject) => {
        mallocTrim.async(0, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
      });
    return { trim };
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : String(e) };
  }
}
