import assert from "node:assert/strict";
import { test } from "node:test";
import { serialLoader } from "./serial-loader";

/** A load whose answers the test releases one by one, in any order. */
function controllable() {
  const pending: { version: number; resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  let version = 0;
  const load = () =>
    new Promise<number>((resolve, reject) => {
      pending.push({ version, resolve, reject });
    });
  return { load, pending, change: () => version++ };
}

const tick = () => new Promise((r) => setImmediate(r));

test("runs asked for while a read is in flight make one more read, and the last answer comes from after the last change", async () => {
  const source = controllable();
  const delivered: number[] = [];
  const loader = serialLoader(source.load, (v) => delivered.push(v), () => assert.fail("no failure"));
  loader.run();
  assert.equal(source.pending.length, 1);
  // Three changes while the first read is in flight.
  for (let i = 0; i < 3; i++) {
    source.change();
    loader.run();
  }
  assert.equal(source.pending.length, 1, "one request at a time");
  source.pending[0]!.resolve(source.pending[0]!.version);
  await tick();
  assert.deepEqual(delivered, [0]);
  assert.equal(source.pending.length, 2, "one more read for the whole burst");
  assert.equal(source.pending[1]!.version, 3, "started after the last change");
  source.pending[1]!.resolve(source.pending[1]!.version);
  await tick();
  assert.deepEqual(delivered, [0, 3], "in order, the last from after the last change");
  assert.equal(loader.busy(), false);
});

test("a failure is reported unless a newer read follows", async () => {
  const source = controllable();
  const failures: unknown[] = [];
  const delivered: number[] = [];
  const loader = serialLoader(source.load, (v) => delivered.push(v), (e) => failures.push(e));
  loader.run();
  source.pending[0]!.reject(new Error("offline"));
  await tick();
  assert.equal(failures.length, 1);
  loader.run();
  loader.run();
  source.pending[1]!.reject(new Error("offline"));
  await tick();
  assert.equal(failures.length, 1, "superseded by the read that follows");
  source.pending[2]!.resolve(7);
  await tick();
  assert.deepEqual(delivered, [7]);
});
