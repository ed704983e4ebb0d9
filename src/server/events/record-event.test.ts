import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { recordEvent } from "./record-event";

let db: Awaited<ReturnType<typeof openMemoryDb>>;
let actor: { id: string; name: string };
let ticketId: string;

before(async () => {
  db = await openMemoryDb();
  actor = await db.prisma.user.create({
    data: { name: "Sam", email: "sam@example.com", passwordHash: "x", role: "AGENT" },
    select: { id: true, name: true },
  });
  ({ id: ticketId } = await db.prisma.ticket.create({
    data: { title: "Seq test", description: "d", requesterId: actor.id },
    select: { id: true },
  }));
});

after(() => db.close());

function comment(n: number, internal = false) {
  return {
    comment: {
      id: `c${n}`,
      ticketId,
      body: `comment ${n}`,
      internal,
      author: { ...actor, role: "AGENT" as const },
      createdAt: new Date().toISOString(),
    },
  };
}

test("events get consecutive seqs and the ticket's lastSeq follows", async () => {
  for (let n = 1; n <= 3; n++) {
    const e = await db.prisma.$transaction((tx) =>
      recordEvent(tx, { ticketId, type: "comment:added", actor, data: comment(n) }),
    );
    assert.equal(e.seq, n);
    assert.equal(e.type, "comment:added");
    assert.deepEqual(e.actor, actor);
  }
  const t = await db.prisma.ticket.findUniqueOrThrow({ where: { id: ticketId } });
  assert.equal(t.lastSeq, 3);
});

test("concurrent transactions never share or skip a seq", async () => {
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      db.prisma.$transaction((tx) => recordEvent(tx, { ticketId, type: "comment:added", actor, data: comment(100 + i) })),
    ),
  );
  const seqs = results.map((e) => e.seq).sort((a, b) => a - b);
  assert.deepEqual(seqs, Array.from({ length: 12 }, (_, i) => 4 + i));
  const rows = await db.prisma.ticketEvent.findMany({ where: { ticketId }, orderBy: { seq: "asc" }, select: { seq: true } });
  assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 15 }, (_, i) => i + 1));
});

test("a rolled-back transaction leaves no event and no gap", async () => {
  await assert.rejects(
    db.prisma.$transaction(async (tx) => {
      await recordEvent(tx, { ticketId, type: "comment:added", actor, data: comment(999) });
      throw new Error("boom");
    }),
    /boom/,
  );
  const e = await db.prisma.$transaction((tx) => recordEvent(tx, { ticketId, type: "comment:added", actor, data: comment(16) }));
  assert.equal(e.seq, 16);
});

test("the data builder runs after lastSeq moved and internal events are flagged", async () => {
  const e = await db.prisma.$transaction((tx) =>
    recordEvent(tx, {
      ticketId,
      type: "comment:added",
      actor,
      internal: true,
      data: async () => {
        const t = await tx.ticket.findUniqueOrThrow({ where: { id: ticketId } });
        return comment(t.lastSeq, true);
      },
    }),
  );
  assert.equal(e.data.comment.id, `c${e.seq}`);
  const row = await db.prisma.ticketEvent.findUniqueOrThrow({ where: { ticketId_seq: { ticketId, seq: e.seq } } });
  assert.equal(row.internal, true);
});

test("taking a seq leaves the ticket's updatedAt alone (internal notes must not show)", async () => {
  const before = await db.prisma.ticket.findUniqueOrThrow({ where: { id: ticketId } });
  await new Promise((r) => setTimeout(r, 5));
  const e = await db.prisma.$transaction((tx) =>
    recordEvent(tx, { ticketId, type: "comment:added", actor, data: comment(900, true), internal: true }),
  );
  const after = await db.prisma.ticket.findUniqueOrThrow({ where: { id: ticketId } });
  assert.equal(after.lastSeq, e.seq);
  assert.equal(after.lastSeq, before.lastSeq + 1);
  assert.equal(after.updatedAt.getTime(), before.updatedAt.getTime());
});
