import assert from "node:assert/strict";
import { test } from "node:test";
import type { Event } from "socket.io";
import { packetShape } from "./packet-shape";

const socket = { listeners: (e: string) => (e === "ticket:join" ? [() => undefined] : []) };

function run(packet: unknown[]) {
  const acks: unknown[] = [];
  let passed = false;
  const withAck = packet.map((p) => (p === "ACK" ? (r: unknown) => acks.push(r) : p));
  packetShape(socket)(withAck as Event, () => (passed = true));
  return { passed, acks };
}

test("a known event with one payload, with or without an ack, goes through", () => {
  assert.deepEqual(run(["ticket:join", { ticketId: "a" }, "ACK"]), { passed: true, acks: [] });
  assert.deepEqual(run(["ticket:join", { ticketId: "a" }]), { passed: true, acks: [] });
});

test("extra or missing payloads and unknown events are answered with an error ack, not silence", () => {
  const extra = run(["ticket:join", "", { ticketId: "a" }, "ACK"]);
  assert.equal(extra.passed, false);
  assert.equal((extra.acks[0] as { error: { code: string } }).error.code, "VALIDATION");
  const missing = run(["ticket:join", "ACK"]);
  assert.equal((missing.acks[0] as { error: { code: string } }).error.code, "VALIDATION");
  const unknown = run(["admin:drop-tables", {}, "ACK"]);
  assert.equal(unknown.passed, false);
  assert.equal((unknown.acks[0] as { error: { code: string } }).error.code, "NOT_FOUND");
  // Without an ack there is nobody to answer: dropped quietly.
  assert.deepEqual(run(["nope", 1, 2]), { passed: false, acks: [] });
});
