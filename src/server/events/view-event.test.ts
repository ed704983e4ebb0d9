import assert from "node:assert/strict";
import { test } from "node:test";
import type { TicketDTO } from "../../shared/dto";
import type { AnyTicketEvent } from "../../shared/realtime";
import { lastSeqFor, type RecordedTicketEvent, viewEvent } from "./view-event";

const alice = { id: "u-alice", name: "Alice" };
const ticket: TicketDTO = {
  id: "t1",
  number: 1,
  title: "T",
  description: "d",
  status: "OPEN",
  priority: "MEDIUM",
  requester: alice,
  assignee: null,
  version: 2,
  lastSeq: 7,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
};
const updated: RecordedTicketEvent = {
  ticketId: "t1",
  seq: 7,
  at: "2026-01-01T00:00:00.000Z",
  actor: alice,
  type: "ticket:updated",
  data: { ticket, changes: { title: { from: "S", to: "T" } } },
  publicSeq: 4,
};
const note: RecordedTicketEvent = {
  ticketId: "t1",
  seq: 8,
  at: "2026-01-01T00:00:00.000Z",
  actor: alice,
  type: "comment:added",
  data: { comment: { id: "c", ticketId: "t1", body: "b", internal: true, author: { ...alice, role: "AGENT" }, createdAt: "2026-01-01T00:00:00.000Z" } },
  publicSeq: null,
};

test("staff see the staff numbering; requesters the public one, ticket snapshot included", () => {
  const staff = viewEvent(updated, "staff") as Extract<AnyTicketEvent, { type: "ticket:updated" }>;
  assert.equal(staff.seq, 7);
  assert.equal(staff.data.ticket.lastSeq, 7);
  const requester = viewEvent(updated, "requester") as Extract<AnyTicketEvent, { type: "ticket:updated" }>;
  assert.equal(requester.seq, 4);
  assert.equal(requester.data.ticket.lastSeq, 4, "the snapshot is as of its own event, in the reader's numbering");
  assert.deepEqual({ ...requester.data.ticket, lastSeq: 7 }, ticket, "nothing else changes");
  assert.equal(updated.data.ticket.lastSeq, 7, "the recorded event is not mutated");
});

test("no view carries the other numbering", () => {
  for (const audience of ["staff", "requester"] as const) {
    assert.equal("publicSeq" in viewEvent(updated, audience), false);
  }
});

test("an internal event has no requester view: asking for one is a bug and throws", () => {
  assert.equal(viewEvent(note, "staff").seq, 8);
  assert.throws(() => viewEvent(note, "requester"), /internal/);
});

test("lastSeqFor picks the audience's counter", () => {
  assert.equal(lastSeqFor({ lastSeq: 9, lastPublicSeq: 5 }, "staff"), 9);
  assert.equal(lastSeqFor({ lastSeq: 9, lastPublicSeq: 5 }, "requester"), 5);
});

test("a snapshot's tags reach staff only: the requester's view of the same event has none", () => {
  const tagged: RecordedTicketEvent = { ...updated, data: { ticket: { ...ticket, tags: ["vip"] }, changes: { title: { from: "S", to: "T" } } } };
  const staff = viewEvent(tagged, "staff") as Extract<AnyTicketEvent, { type: "ticket:updated" }>;
  assert.deepEqual(staff.data.ticket.tags, ["vip"]);
  const requester = viewEvent(tagged, "requester") as Extract<AnyTicketEvent, { type: "ticket:updated" }>;
  assert.equal("tags" in requester.data.ticket, false);
  assert.equal(JSON.stringify(requester).includes("vip"), false);
});
