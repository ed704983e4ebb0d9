import assert from "node:assert/strict";
import { test } from "node:test";
import { allowIn, type RateWindow } from "./rate-limit";

test("allows `limit` events per window, then refuses until the window rolls over", () => {
  const window: RateWindow = { start: 0, count: 0 };
  const allow = (t: number) => allowIn(window, 3, 1000, t);
  assert.deepEqual([allow(0), allow(1), allow(2), allow(3)], [true, true, true, false]);
  assert.equal(allow(999), false);
  assert.equal(allow(1000), true);
  // The new window started at 1000: two more fit in it, the third does not.
  assert.deepEqual([allow(1500), allow(1999), allow(1999)], [true, true, false]);
  assert.equal(allow(2000), true);
});

test("a window that ended long ago restarts at the next event, not on a fixed grid", () => {
  const window: RateWindow = { start: 0, count: 3 };
  assert.equal(allowIn(window, 3, 1000, 5_250), true);
  assert.deepEqual(window, { start: 5_250, count: 1 });
});
