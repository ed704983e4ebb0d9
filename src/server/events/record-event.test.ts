import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { emptyPglite, openMemoryDb } from "../../../tests/helpers/memory-db";
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
  assert.equal(after.lastPublicSeq, before.lastPublicSeq, "the requester numbering does not move");
  assert.equal(e.publicSeq, null);
  assert.equal(after.updatedAt.getTime(), before.updatedAt.getTime());
});

test("public events take the next publicSeq, internal ones none: each numbering is gap-free", async () => {
  const { id: t } = await db.prisma.ticket.create({
    data: { title: "Two numberings", description: "d", requesterId: actor.id },
    select: { id: true },
  });
  const pattern = [false, true, false, true, true, false, false];
  const recorded = [];
  for (const [i, internal] of pattern.entries()) {
    recorded.push(
      await db.prisma.$transaction((tx) =>
        recordEvent(tx, { ticketId: t, type: "comment:added", actor, data: { comment: { ...comment(i, internal).comment, ticketId: t } }, internal }),
      ),
    );
  }
  assert.deepEqual(recorded.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(recorded.map((e) => e.publicSeq), [1, null, 2, null, null, 3, 4]);
  const row = await db.prisma.ticket.findUniqueOrThrow({ where: { id: t } });
  assert.deepEqual([row.lastSeq, row.lastPublicSeq], [7, 4]);
});

test("concurrent public and internal events keep both numberings gap-free", async () => {
  const { id: t } = await db.prisma.ticket.create({
    data: { title: "Concurrent numberings", description: "d", requesterId: actor.id },
    select: { id: true },
  });
  await Promise.all(
    Array.from({ length: 12 }, (_, i) => {
      const internal = i % 3 === 0;
      return db.prisma.$transaction((tx) =>
        recordEvent(tx, { ticketId: t, type: "comment:added", actor, data: { comment: { ...comment(i, internal).comment, ticketId: t } }, internal }),
      );
    }),
  );
  const rows = await db.prisma.ticketEvent.findMany({ where: { ticketId: t }, orderBy: { seq: "asc" } });
  assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 12 }, (_, i) => i + 1));
  const publicRows = rows.filter((r) => !r.internal);
  assert.deepEqual(publicRows.map((r) => r.publicSeq), Array.from({ length: 8 }, (_, i) => i + 1), "public numbers follow seq order");
  assert.ok(rows.filter((r) => r.internal).every((r) => r.publicSeq === null));
});

test("an internal note recorded without the internal flag is refused, not numbered publicly", async () => {
  const before = await db.prisma.ticket.findUniqueOrThrow({ where: { id: ticketId } });
  await assert.rejects(
    db.prisma.$transaction((tx) => recordEvent(tx, { ticketId, type: "comment:added", actor, data: comment(777, true) })),
    /internal/,
  );
  const after = await db.prisma.ticket.findUniqueOrThrow({ where: { id: ticketId } });
  assert.deepEqual([after.lastSeq, after.lastPublicSeq], [before.lastSeq, before.lastPublicSeq], "rolled back");
});

test("the database refuses a public number on an internal event (CHECK constraint)", async () => {
  await assert.rejects(
    db.prisma.ticketEvent.create({
      data: { ticketId, seq: 100_000, publicSeq: 100_000, type: "comment:added", payload: {}, actorId: actor.id, internal: true },
    }),
  );
  await assert.rejects(
    db.prisma.ticketEvent.create({
      data: { ticketId, seq: 100_001, publicSeq: null, type: "comment:added", payload: {}, actorId: actor.id, internal: false },
    }),
  );
});

test("the migration numbers existing logs publicly in seq order, skipping internal events", async () => {
  // An upgrade: a database with the first migration's schema and a log with
  // internal notes, then the public-numbering migration.
  const migrations = path.resolve(__dirname, "../../../prisma/migrations");
  const dirs = fs.readdirSync(migrations).filter((d) => /^\d+_/.test(d)).sort();
  const target = dirs.findIndex((d) => d.endsWith("_public_seq"));
  assert.ok(target > 0, "the public_seq migration exists");
  const pg = await emptyPglite();
  try {
    for (const d of dirs.slice(0, target)) await pg.exec(fs.readFileSync(path.join(migrations, d, "migration.sql"), "utf8"));
    await pg.exec(`
      INSERT INTO "User" (id, name, email, "passwordHash", "updatedAt") VALUES ('u1', 'U', 'u@example.com', 'x', now());
      INSERT INTO "Ticket" (id, title, description, "requesterId", "lastSeq", "updatedAt") VALUES
        ('ta', 'A', 'd', 'u1', 6, now()), ('tb', 'B', 'd', 'u1', 1, now()), ('tc', 'C', 'd', 'u1', 0, now());
      -- inserted out of order on purpose: numbering follows seq, not insertion
      INSERT INTO "TicketEvent" (id, "ticketId", seq, type, payload, "actorId", internal) VALUES
        ('e6', 'ta', 6, 'comment:added', '{}', 'u1', false),
        ('e1', 'ta', 1, 'ticket:created', '{}', 'u1', false),
        ('e3', 'ta', 3, 'comment:added', '{}', 'u1', false),
        ('e2', 'ta', 2, 'comment:added', '{}', 'u1', true),
        ('e4', 'ta', 4, 'comment:added', '{}', 'u1', true),
        ('e5', 'ta', 5, 'comment:added', '{}', 'u1', false),
        ('f1', 'tb', 1, 'ticket:created', '{}', 'u1', false);
    `);
    // Each script whole, as both migration adapters now apply them
    // (createPostgresMigrationAdapter no longer splits at every ";": the
    // search migration's PL/pgSQL bodies contain them).
    for (const d of dirs.slice(target)) await pg.exec(fs.readFileSync(path.join(migrations, d, "migration.sql"), "utf8"));
    const events = await pg.query<{ id: string; publicSeq: number | null }>(`SELECT id, "publicSeq" FROM "TicketEvent" ORDER BY id`);
    assert.deepEqual(
      Object.fromEntries(events.rows.map((r) => [r.id, r.publicSeq])),
      { e1: 1, e2: null, e3: 2, e4: null, e5: 3, e6: 4, f1: 1 },
    );
    const tickets = await pg.query<{ id: string; lastPublicSeq: number }>(`SELECT id, "lastPublicSeq" FROM "Ticket" ORDER BY id`);
    assert.deepEqual(
      tickets.rows.map((r) => [r.id, r.lastPublicSeq]),
      [["ta", 4], ["tb", 1], ["tc", 0]],
    );
  } finally {
    await pg.close();
  }
});
