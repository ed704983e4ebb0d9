import assert from "node:assert/strict";
import { test } from "node:test";
import { createRateLimiter } from "./rate-limit";

test("allows `limit` events per window, then refuses until the window rolls over", () => {
  let t = 0;
  const allow = createRateLimiter(3, 1000, () => t);
  assert.deepEqual([allow(), allow(), allow(), allow()], [true, true, true, false]);
  t = 999;
  assert.equal(allow(), false);
  t = 1000;
  assert.equal(allow(), true);
});
