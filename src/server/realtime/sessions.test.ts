import assert from "node:assert/strict";
import { test } from "node:test";
import type { Role } from "../../shared/enums";
import { createConnectRecheck } from "./sessions";

function socket(sid: string, role: Role) {
  const s = { connected: true, data: { sid, user: { role } }, closed: false, disconnect: () => ((s.closed = true), (s.connected = false)) };
  return s;
}

/** A lookup whose answers the test releases one at a time. */
function gatedLookup(live: Map<string, Role>) {
  const calls: string[][] = [];
  const gates: (() => void)[] = [];
  const findLive = (sids: string[]) => {
    calls.push(sids);
    return new Promise<Map<string, Role>>((resolve) => gates.push(() => resolve(live)));
  };
  const release = async () => {
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { calls, findLive, release };
}

test("the first socket is checked at once; sockets arriving meanwhile are checked together in one lookup", async () => {
  const lookup = gatedLookup(new Map<string, Role>([["s1", "AGENT"], ["s2", "AGENT"], ["s3", "REQUESTER"]]));
  const recheck = createConnectRecheck(lookup.findLive, (e) => assert.fail(String(e)));
  const a = socket("s1", "AGENT");
  recheck(a);
  assert.deepEqual(lookup.calls, [["s1"]]);
  const b = socket("s2", "AGENT");
  const c = socket("s2", "AGENT");
  const d = socket("s3", "AGENT"); // role changed since the handshake
  const e = socket("gone", "AGENT"); // session revoked
  for (const s of [b, c, d, e]) recheck(s);
  assert.equal(lookup.calls.length, 1, "waits for the running lookup");
  await lookup.release();
  assert.deepEqual(lookup.calls[1], ["s2", "s3", "gone"], "one lookup, each session once");
  await lookup.release();
  assert.deepEqual([a, b, c, d, e].map((s) => s.closed), [false, false, false, true, true]);
  // Idle again: the next socket is looked up at once.
  recheck(socket("s1", "AGENT"));
  assert.equal(lookup.calls.length, 3);
});

test("a socket that left before its check is not touched; a failed lookup is reported and the next batch still runs", async () => {
  const errors: unknown[] = [];
  let fail = true;
  const recheck = createConnectRecheck(async () => {
    if (fail) throw new Error("database down");
    return new Map();
  }, (e) => errors.push(e));
  const kept = socket("s1", "AGENT");
  recheck(kept);
  await new Promise((r) => setImmediate(r));
  assert.equal(errors.length, 1);
  assert.equal(kept.closed, false, "an outage does not end sessions");
  fail = false;
  const left = socket("s2", "AGENT");
  left.connected = false;
  recheck(left);
  await new Promise((r) => setImmediate(r));
  assert.equal(left.closed, false);
});
