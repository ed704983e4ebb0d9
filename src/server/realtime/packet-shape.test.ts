import assert from "node:assert/strict";
import { test } from "node:test";
import { packetShapeError } from "./packet-shape";

const known = (e: unknown) => e === "ticket:join";

test("a known event with one payload goes through", () => {
  assert.equal(packetShapeError("ticket:join", [{ ticketId: "a" }], known), null);
});

test("extra or missing payloads and unknown events are refused with a code", () => {
  assert.equal(packetShapeError("ticket:join", ["", { ticketId: "a" }], known)?.code, "VALIDATION");
  assert.equal(packetShapeError("ticket:join", [], known)?.code, "VALIDATION");
  assert.equal(packetShapeError("admin:drop-tables", [{}], known)?.code, "NOT_FOUND");
  // Socket.IO's parser lets numbers through as event names.
  assert.equal(packetShapeError(42, [{}], known)?.message, 'Unknown event "42"');
});
