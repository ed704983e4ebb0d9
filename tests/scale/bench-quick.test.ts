/**
 * `npm run bench -- --quick` as a correctness test (issue 11): the harness
 * runs its quick mode (300 sockets, Tandem on the embedded database and the
 * bare Socket.IO baseline, load generators in child processes) and this test
 * checks only what must hold on any machine: every acknowledged comment
 * reached every member of its room exactly once and no socket outside it,
 * for Tandem and for bare Socket.IO; writes were acknowledged; a client
 * behind by 100 events got exactly those 100 back. Never a timing: the CI
 * machine is shared, the numbers belong in BENCHMARKS.md.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import type { BenchResults } from "../../bench/run";
import type { PostPhase } from "../../bench/lib/scenarios";
import { makeTempDir, ROOT } from "../helpers/server";

function assertExactlyOnce(what: string, phases: PostPhase[]) {
  assert.ok(phases.length > 0, `${what}: no phase ran`);
  for (const p of phases) {
    assert.ok(p.acked > 0, `${what}: nothing was acknowledged`);
    // A busy machine may make the server answer 503 (every database connection
    // busy: retryable, nothing saved); anything else is a failure.
    const failed = Object.keys(p.failed ?? {}).filter((status) => status !== "503");
    assert.deepEqual(failed, [], `${what}: posts failed with ${JSON.stringify(p.failed)}`);
    assert.ok(p.expected > 0, `${what}: nothing expected`);
    assert.equal(p.missing, 0, `${what}: ${p.missing} of ${p.expected} deliveries missing`);
    assert.equal(p.duplicates, 0, `${what}: ${p.duplicates} duplicate deliveries`);
    assert.equal(p.foreign, 0, `${what}: ${p.foreign} deliveries to sockets outside the room`);
    assert.equal(p.delivered, p.expected, `${what}: delivered ${p.delivered}, expected ${p.expected}`);
  }
}

test("the quick benchmark delivers every event exactly once to every socket, on Tandem and on bare Socket.IO", { timeout: 240_000 }, async () => {
  const out = path.join(makeTempDir("tandem-bench-quick-"), "results.json");
  const child = spawn(process.execPath, ["--require", "./src/server/server-only-shim.cjs", "--import", "tsx", "bench/run.ts", "--quick", "--out", out], {
    cwd: ROOT,
    env: { ...process.env, TANDEM_TEST_DB: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d));
  child.stderr.on("data", (d: Buffer) => (log += d));
  const code = await new Promise<number | null>((r) => child.once("close", r));
  assert.equal(code, 0, `the quick benchmark failed:\n${log}`);
  const r = JSON.parse(fs.readFileSync(out, "utf8")) as BenchResults;

  for (const side of [r.tandem, r.bare]) {
    assert.ok(side, "both Tandem and bare Socket.IO ran");
    assertExactlyOnce(`${side.label}, comment to screen`, side.commentToScreen);
    assertExactlyOnce(`${side.label}, fan-out`, side.fanout);
    // Every memory step was measured with all its sockets connected.
    assert.deepEqual(
      side.memory.map((m) => m.sockets),
      r.plan.steps,
    );
    assert.ok(side.memory.every((m) => Number.isFinite(m.rss) && Number.isFinite(m.heap)), `${side.label}: memory readings`);
  }
  // Every post of the comment-to-screen phase reached a whole room of 100.
  assert.equal(r.tandem!.commentToScreen[0]!.expected, r.tandem!.commentToScreen[0]!.acked * r.plan.roomSize);

  assert.equal(r.writes.length, 2, "hot-ticket and many-ticket writes ran");
  for (const w of r.writes) {
    assert.ok(w.acked > 0, `${w.label}: no write acknowledged`);
    assert.deepEqual(w.refused, {}, `${w.label}: writes refused`);
  }
  assert.ok(r.catchUp, "catch-up ran");
  assert.ok(r.catchUp.counts.length > 0);
  for (const n of r.catchUp.counts) assert.equal(n, r.catchUp.missed, "a client behind by N events gets exactly N back");
});
