/**
 * Loaded into every test process by scripts/run-tests.mjs (`--require`): when
 * a test file's process exits, it appends the CPU its process tree used to
 * TANDEM_TEST_CPU_LOG, one JSON line, for run-tests to print per file.
 *
 * What it counts: this process's own user and system time plus that of every
 * child it has waited for, as the kernel accounts it (/proc/self/stat fields
 * 14-17, `cutime` and `cstime` include grandchildren their parents waited
 * for): the app servers, PostgreSQL, Redis, proxies and Chromium a test file
 * starts and stops. Chromium's zygotes, reaped by init, and the test
 * process's own PostgreSQL, killed at exit, are read from /proc and added
 * (tests/helpers/cpu-accounting.ts). Linux only; elsewhere, and outside
 * run-tests (no TANDEM_TEST_CPU_LOG), it does nothing.
 */
"use strict";
const fs = require("node:fs");

const log = process.env.TANDEM_TEST_CPU_LOG;
const file = process.argv[1];
if (log && file && /\.test\.[cm]?[jt]s$/.test(file)) {
  process.once("exit", () => {
    try {
      const stat = fs.readFileSync("/proc/self/stat", "utf8");
      // Fields after the command name (which may hold spaces), from field 3 on.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = [11, 12, 13, 14].map((i) => Number(fields[i])); // utime stime cutime cstime
      const hz = 100; // USER_HZ on Linux
      // Registered first (--require), so this runs before the exit handlers that kill what is still running.
      const atExit = (globalThis[Symbol.for("tandem.test.cpuAtExit")] ?? []).reduce((sum, ticks) => sum + ticks(), 0);
      const unreaped = (globalThis[Symbol.for("tandem.test.unreapedCpuTicks")] ?? 0) + atExit;
      const seconds = (ticks.reduce((a, b) => a + b, 0) + unreaped) / hz;
      const own = (ticks[0] + ticks[1]) / hz;
      fs.appendFileSync(log, `${JSON.stringify({ file, seconds, own })}\n`);
    } catch {
      /* not Linux, or /proc unreadable: no figure for this file */
    }
  });
}
