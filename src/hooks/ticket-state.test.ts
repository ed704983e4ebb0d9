import assert from "node:assert/strict";
import { test } from "node:test";
import type { CommentDTO, TicketDTO } from "../shared/dto";
import type { AnyTicketEvent } from "../shared/realtime";
import { type TicketState, ticketReducer } from "./ticket-state";

const alice = { id: "u-alice", name: "Alice" };
const agent = { id: "u-agent", name: "Agent" };

function ticket(over: Partial<TicketDTO> = {}): TicketDTO {
  return {
    id: "t1",
    number: 1,
    title: "Printer on fire",
    description: "Help",
    status: "OPEN",
    priority: "MEDIUM",
    requester: alice,
    assignee: null,
    version: 1,
    lastSeq: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...over,
  };
}

function comment(id: string, at: string, internal = false): CommentDTO {
  return { id, ticketId: "t1", body: `body ${id}`, internal, author: { ...agent, role: "AGENT" }, createdAt: at };
}

const commentEvent = (seq: number, c: CommentDTO): AnyTicketEvent => ({
  ticketId: "t1",
  seq,
  at: c.createdAt,
  actor: agent,
  type: "comment:added",
  data: { comment: c },
});

const statusEvent = (seq: number, t: TicketDTO): AnyTicketEvent => ({
  ticketId: "t1",
  seq,
  at: t.updatedAt,
  actor: agent,
  type: "ticket:updated",
  data: { ticket: t, changes: { status: { from: "OPEN", to: t.status } } },
});

const initial = (): TicketState => ({ ticket: ticket(), comments: [], attachments: [], events: [], seq: 1 });

test("events apply once, in seq order, and gaps are fine", () => {
  const c2 = comment("c2", "2026-01-01T00:01:00.000Z");
  const c5 = comment("c5", "2026-01-01T00:05:00.000Z");
  let s = ticketReducer(initial(), { type: "events", events: [commentEvent(5, c5), commentEvent(2, c2)] });
  assert.deepEqual(s.comments.map((c) => c.id), ["c2", "c5"]);
  assert.equal(s.seq, 5);
  assert.deepEqual(s.events.map((e) => e.seq), [2, 5]);
  // A replay of what was already applied changes nothing.
  const again = ticketReducer(s, { type: "events", events: [commentEvent(2, c2), commentEvent(5, c5)] });
  assert.equal(again, s);
  // An older event arriving late is ignored (seq ≤ highest applied).
  s = ticketReducer(s, { type: "events", events: [commentEvent(4, comment("c4", "2026-01-01T00:04:00.000Z"))] });
  assert.equal(s.comments.length, 2);
});

test("our own comment from HTTP and its socket event show once", () => {
  const c = comment("c2", "2026-01-01T00:01:00.000Z");
  let s = ticketReducer(initial(), { type: "comment", comment: c });
  s = ticketReducer(s, { type: "events", events: [commentEvent(2, c)] });
  assert.equal(s.comments.length, 1);
  assert.equal(s.events.length, 1, "the timeline still records the event");
});

test("the ticket snapshot only moves forward", () => {
  const newer = ticket({ status: "IN_PROGRESS", version: 3, lastSeq: 3 });
  let s = ticketReducer(initial(), { type: "ticket", ticket: newer });
  assert.equal(s.ticket.status, "IN_PROGRESS");
  // The socket event of an earlier change arrives after the PATCH response of a later one.
  s = ticketReducer(s, { type: "events", events: [statusEvent(2, ticket({ status: "WAITING", version: 2, lastSeq: 2 }))] });
  assert.equal(s.ticket.status, "IN_PROGRESS");
  assert.equal(s.seq, 2);
});

test("events of other tickets are ignored", () => {
  const other = { ...commentEvent(9, comment("x", "2026-01-01T00:09:00.000Z")), ticketId: "t2" };
  assert.equal(ticketReducer(initial(), { type: "events", events: [other] }).seq, 1);
});
