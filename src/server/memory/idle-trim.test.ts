import assert from "node:assert/strict";
import { test } from "node:test";
import { BUSY_UTILIZATION, loadMallocTrim, startIdleTrim } from "./idle-trim";

/** An idle trimmer whose windows read the given utilizations in turn, ticked by hand. */
function trimmer(utilizations: number[]) {
  const trims: { freedBytes: number; ms: number }[] = [];
  let rss = 300;
  const t = startIdleTrim({
    windowMs: 3_600_000,
    trim: () => void (rss -= 50),
    utilization: () => utilizations.shift() ?? 0,
    rss: () => rss,
    onTrim: (r) => trims.push(r),
  });
  return { t, trims };
}

const settled = () => new Promise((r) => setImmediate(r));

test("the first quiet window after start-up trims, and quiet windows after it do not", async () => {
  const { t, trims } = trimmer([0, 0.01, 0]);
  assert.equal(t.tick(), true);
  await settled();
  assert.deepEqual([t.tick(), t.tick()], [false, false]);
  assert.equal(trims.length, 1);
  assert.equal(trims[0]!.freedBytes, 50, "reports what the trim gave back");
  t.stop();
});

test("busy windows never trim; the first quiet one after them does, once", async () => {
  const busy = BUSY_UTILIZATION;
  const { t, trims } = trimmer([0, busy, 0.9, 0.02, 0, busy + 0.01, BUSY_UTILIZATION - 0.001]);
  const ticks: boolean[] = [];
  for (let i = 0; i < 7; i++) {
    ticks.push(t.tick());
    await settled();
  }
  assert.deepEqual(ticks, [true, false, false, true, false, false, true]);
  assert.equal(trims.length, 3);
  t.stop();
});

test("freed bytes are never negative (RSS may grow while it trims)", async () => {
  const trims: number[] = [];
  let rss = 100;
  const t = startIdleTrim({ windowMs: 3_600_000, trim: () => void (rss += 10), utilization: () => 0, rss: () => rss, onTrim: (r) => trims.push(r.freedBytes) });
  t.tick();
  await settled();
  assert.deepEqual(trims, [0]);
  t.stop();
});

test("a trim still running is not started again; a failed one is reported and retried after the next busy window", async () => {
  const utilizations = [0, 1, 0, 1, 0];
  let finish: () => void = () => undefined;
  let calls = 0;
  const errors: unknown[] = [];
  const t = startIdleTrim({
    windowMs: 3_600_000,
    utilization: () => utilizations.shift() ?? 0,
    trim: () => {
      calls++;
      if (calls === 2) return Promise.reject(new Error("trim failed"));
      return new Promise<void>((resolve) => (finish = resolve));
    },
    onError: (e) => errors.push(e),
  });
  assert.equal(t.tick(), true, "the first quiet window starts a trim");
  assert.equal(t.tick(), false, "busy");
  assert.equal(t.tick(), false, "quiet after busy, but the first trim is still running");
  finish();
  await settled();
  assert.equal(t.tick(), false, "busy");
  assert.equal(t.tick(), true, "quiet after busy: the second trim");
  await settled();
  assert.equal(calls, 2);
  assert.equal(errors.length, 1, "the failure is reported");
  t.stop();
});

test("the timer ticks by itself every window and stops when told", async () => {
  let trims = 0;
  let busy = false;
  const t = startIdleTrim({ windowMs: 20, trim: () => void trims++, utilization: () => ((busy = !busy) ? 1 : 0) });
  // Waits for the ticks rather than for a time, so a loaded machine only makes it slower.
  for (const deadline = Date.now() + 10_000; trims < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  t.stop();
  const seen = trims;
  assert.ok(seen >= 2, `busy and quiet windows alternating: a trim after each busy one (${seen})`);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(trims, seen, "no trim after stop()");
});

test("glibc's malloc_trim loads on Linux and runs", { skip: process.platform !== "linux" ? "glibc only" : false }, async () => {
  const loaded = await loadMallocTrim();
  assert.ok("trim" in loaded, `loads: ${"unavailable" in loaded ? loaded.unavailable : ""}`);
  await loaded.trim();
});
