import assert from "node:assert/strict";
import { test } from "node:test";
import type { CommentDTO, TicketDTO } from "../shared/dto";
import type { AnyTicketEvent } from "../shared/realtime";
import { initialTicketState, isApplied, type TicketState, ticketReducer } from "./ticket-state";

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

const initial = (): TicketState => initialTicketState({ ticket: ticket(), comments: [], attachments: [], events: [], seq: 1 });

const c = (n: number) => comment(`c${n}`, `2026-01-01T00:0${n}:00.000Z`);

test("consecutive events move the watermark; replays change nothing", () => {
  const s = ticketReducer(initial(), { type: "events", events: [commentEvent(2, c(2)), commentEvent(3, c(3))] });
  assert.equal(s.seq, 3);
  assert.deepEqual(s.ahead, []);
  assert.deepEqual(s.comments.map((x) => x.id), ["c2", "c3"]);
  assert.deepEqual(s.events.map((e) => e.seq), [2, 3]);
  const again = ticketReducer(s, { type: "events", events: [commentEvent(3, c(3)), commentEvent(2, c(2))] });
  assert.equal(again, s, "a replay of applied events returns the same state");
});

test("an event that arrives late is still applied, and closes the gap", () => {
  // seq 3 overtakes seq 2 (two processes published them): 3 waits above the gap.
  let s = ticketReducer(initial(), { type: "events", events: [commentEvent(3, c(3))] });
  assert.equal(s.seq, 1);
  assert.deepEqual(s.ahead, [3]);
  assert.deepEqual(s.comments.map((x) => x.id), ["c3"]);
  s = ticketReducer(s, { type: "events", events: [commentEvent(2, c(2))] });
  assert.equal(s.seq, 3, "the watermark jumps over both");
  assert.deepEqual(s.ahead, []);
  assert.deepEqual(s.comments.map((x) => x.id), ["c2", "c3"], "server order, not arrival order");
  assert.deepEqual(s.events.map((e) => e.seq), [2, 3], "the timeline is in seq order");
});

test("a synced range moves the watermark past seqs that were lost", () => {
  // seq 2 never arrived live (published while Redis was down); the join ack
  // or an events page covers it. (Internal notes no longer cause such gaps:
  // requesters get a numbering of their own, see src/server/events/view-event.ts.)
  let s = ticketReducer(initial(), { type: "events", events: [commentEvent(3, c(3))] });
  assert.deepEqual([s.seq, s.ahead], [1, [3]], "a gap, until the server says otherwise");
  s = ticketReducer(s, { type: "synced", events: [commentEvent(3, c(3))], seq: 3 });
  assert.deepEqual([s.seq, s.ahead], [3, []]);
  assert.equal(s.comments.length, 1);
  // Events ahead of a synced range stay applied and settle onto it.
  s = ticketReducer(s, { type: "events", events: [commentEvent(6, c(6))] });
  s = ticketReducer(s, { type: "synced", events: [commentEvent(4, c(4))], seq: 5 });
  assert.deepEqual([s.seq, s.ahead], [6, []]);
  assert.deepEqual(s.comments.map((x) => x.id), ["c3", "c4", "c6"]);
  // A stale sync (answered after newer events arrived) never moves the watermark back.
  assert.equal(ticketReducer(s, { type: "synced", events: [], seq: 4 }).seq, 6);
});

test("isApplied knows both the watermark and the events ahead of it", () => {
  const s = ticketReducer(initial(), { type: "events", events: [commentEvent(4, c(4))] });
  assert.equal(isApplied(s, commentEvent(1, c(1))), true);
  assert.equal(isApplied(s, commentEvent(4, c(4))), true);
  assert.equal(isApplied(s, commentEvent(2, c(2))), false);
});

test("our own comment from HTTP and its socket event show once", () => {
  const own = comment("c2", "2026-01-01T00:01:00.000Z");
  let s = ticketReducer(initial(), { type: "comment", comment: own });
  s = ticketReducer(s, { type: "events", events: [commentEvent(2, own)] });
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
  const s = initial();
  assert.equal(ticketReducer(s, { type: "events", events: [other] }), s);
});

test("a tags change replaces the ticket's tags; a later snapshot without tags (recorded before them) keeps them", () => {
  let s = ticketReducer(initial(), { type: "events", events: [statusEvent(2, ticket({ lastSeq: 2, tags: ["vip"] }))] });
  assert.deepEqual(s.ticket.tags, ["vip"]);
  s = ticketReducer(s, { type: "events", events: [statusEvent(3, ticket({ lastSeq: 3, status: "WAITING" }))] });
  assert.equal(s.ticket.status, "WAITING");
  assert.deepEqual(s.ticket.tags, ["vip"]);
  s = ticketReducer(s, { type: "ticket", ticket: ticket({ lastSeq: 4, status: "WAITING", tags: [] }) });
  assert.deepEqual(s.ticket.tags, []);
});
