import assert from "node:assert/strict";
import { test } from "node:test";
import type { StreamEvent } from "../engine/stream";
import type { RecordedTicketEvent } from "../events/view-event";
import { createRelay, type LocalEmitter, REMEMBERED_TICKETS } from "./relay";

const alice = { id: "u-alice", name: "Alice" };

function reply(ticketId: string, seq: number): RecordedTicketEvent {
  return {
    ticketId,
    seq,
    at: new Date().toISOString(),
    actor: alice,
    type: "comment:added",
    data: { comment: { id: `c${seq}`, ticketId, body: `reply ${seq}`, internal: false, author: { ...alice, role: "REQUESTER" }, createdAt: new Date().toISOString() } },
    publicSeq: seq,
  };
}

let position = 0n;
/** As the stream hands events over: in position order, each with its cursor. */
function streamed(...events: RecordedTicketEvent[]): StreamEvent[] {
  return events.map((event) => ({ cursor: { txId: 1n, position: ++position }, event, requesterId: alice.id }));
}

/** Records what the relay emits, as "ticket#seq" per emit to the ticket's staff room. */
function recorder() {
  const emitted: string[] = [];
  const io = {
    local: {
      to: (rooms: string[]) => ({
        except: () => ({
          emit: (_type: string, payload: { ticketId: string; seq: number }) => {
            if (rooms.includes(`ticket:${payload.ticketId}:staff`)) emitted.push(`${payload.ticketId}#${payload.seq}`);
          },
        }),
      }),
    },
  } as unknown as LocalEmitter;
  return { io, emitted };
}

test("an event delivered at its commit is not delivered again by the stream read; the ticket's order decides which path", async () => {
  const { io, emitted } = recorder();
  let counted = 0;
  const relay = createRelay(io, (events) => (counted += events));

  // Nothing delivered yet for this ticket: the commit cannot tell its event is next.
  assert.equal(relay.deliverCommitted(reply("t1", 1), alice.id), false);
  await relay.processor.handle(streamed(reply("t1", 1)));
  assert.deepEqual(emitted, ["t1#1"]);

  // Seq 2 follows seq 1, which this process delivered: now, and once.
  assert.equal(relay.deliverCommitted(reply("t1", 2), alice.id), true);
  assert.deepEqual(emitted, ["t1#1", "t1#2"]);
  // Seq 4 does not follow 2 (3 was committed elsewhere and is not read yet): left to the stream.
  assert.equal(relay.deliverCommitted(reply("t1", 4), alice.id), false);
  await relay.processor.handle(streamed(reply("t1", 2), reply("t1", 3), reply("t1", 4)));
  assert.deepEqual(emitted, ["t1#1", "t1#2", "t1#3", "t1#4"], "2 skipped by the read, 3 and 4 delivered in order");
  assert.equal(counted, 4, "each event counted once in the metrics");

  // Early, read back, then one committed elsewhere: each once, in order.
  assert.equal(relay.deliverCommitted(reply("t1", 5), alice.id), true);
  await relay.processor.handle(streamed(reply("t1", 5)));
  await relay.processor.handle(streamed(reply("t1", 6)));
  assert.deepEqual(emitted, ["t1#1", "t1#2", "t1#3", "t1#4", "t1#5", "t1#6"]);
});

test("tickets are forgotten least recently used first, never one with an early delivery the stream has not read back", async () => {
  const { io, emitted } = recorder();
  const relay = createRelay(io);
  await relay.processor.handle(streamed(reply("keep", 1)));
  assert.equal(relay.deliverCommitted(reply("keep", 2), alice.id), true);
  // Enough other tickets to push "keep" out, were it not waiting for its read.
  for (let i = 0; i < REMEMBERED_TICKETS + 10; i++) await relay.processor.handle(streamed(reply(`t${i}`, 1)));
  const before = emitted.length;
  await relay.processor.handle(streamed(reply("keep", 2)));
  assert.equal(emitted.length, before, "keep#2 was remembered as delivered");
  // The oldest of the others was forgotten: its next commit goes through the stream.
  assert.equal(relay.deliverCommitted(reply("t0", 2), alice.id), false);
  // A recent one was not.
  assert.equal(relay.deliverCommitted(reply(`t${REMEMBERED_TICKETS + 9}`, 2), alice.id), true);
});
