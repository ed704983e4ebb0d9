import assert from "node:assert/strict";
import { test } from "node:test";
import { retryDelayMs } from "./retry-unavailable";

test("handshake retries back off from 0.5 s to at most 15 s, jittered down to half", () => {
  assert.equal(retryDelayMs(0, () => 1), 500);
  assert.equal(retryDelayMs(1, () => 1), 1000);
  assert.equal(retryDelayMs(20, () => 1), 15_000);
  assert.equal(retryDelayMs(20, () => 0), 7_500);
});
