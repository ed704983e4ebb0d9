import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { PrismaClient } from "../../generated/prisma/client";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { until } from "../../../tests/helpers/until";
import { pgliteSql } from "../db/sql";
import { recordEvent } from "../events/record-event";
import type { Processor } from "./processor";
import { startEngine } from "./start-engine";

// The engine on the embedded database, as server.ts runs it there (its
// stream reads on PGlite's own client, which answers a read before the next
// timer of the same turn runs); tests/integration/engine.test.ts runs it on
// PostgreSQL.
let database: Awaited<ReturnType<typeof openMemoryDb>>;
let prisma: PrismaClient;
let actor: { id: string; name: string };
let ticketId: string;

before(async () => {
  database = await openMemoryDb();
  prisma = database.prisma;
  actor = await prisma.user.create({ data: { name: "Ada", email: "ada@example.com", passwordHash: "x", role: "AGENT" }, select: { id: true, name: true } });
  ticketId = (await prisma.ticket.create({ data: { title: "Idle", description: "d", requesterId: actor.id }, select: { id: true } })).id;
});

after(async () => {
  await database?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


test("idle, the processors poll together: one stream read per poll, not one each; an event nobody announced is still handled at the next poll", async () => {
  const handled: { who: string; id: string }[] = [];
  const recorder = (name: string, scope: Processor["scope"]): Processor => ({
    name,
    scope,
    handle: (batch) => void handled.push(...batch.map((e) => ({ who: name, id: `${e.event?.ticketId}#${e.event?.seq}` }))),
  });
  let reads = 0;
  const pollMs = 100;
  const engine = await startEngine({
    prisma,
    sql: pgliteSql(database.client),
    processors: [recorder("relay", "process"), recorder("a", "cluster"), recorder("b", "cluster")],
    pollMs,
    log: () => undefined,
    onStreamRead: () => reads++,
  });
  try {
    await until(() => engine.status().every((s) => s.cursor !== null), "the cursors", 5_000);
    await sleep(3 * pollMs);
    const before = reads;
    const t0 = Date.now();
    await sleep(15 * pollMs);
    const polls = (Date.now() - t0) / pollMs;
    const idleReads = reads - before;
    // Each on a timer of its own, the three drifted apart by a read each
    // (PGlite answers before the next timer runs) and read three times per
    // poll: 44 reads in 15 polls before the shared beat.
    assert.ok(idleReads <= polls * 1.5 + 2, `${idleReads} reads in ${polls.toFixed(1)} polls`);
    assert.ok(idleReads >= 3, `the processors still poll (${idleReads} reads)`);

    // Committed without engine.wake(): the poll is what finds it.
    const event = await prisma.$transaction((tx) =>
      recordEvent(tx, {
        ticketId,
        type: "comment:added",
        actor,
        data: { comment: { id: "c1", ticketId, body: "unannounced", internal: false, author: { ...actor, role: "AGENT" }, createdAt: new Date().toISOString() } },
      }),
    );
    const id = `${event.ticketId}#${event.seq}`;
    await until(() => ["relay", "a", "b"].every((who) => handled.some((h) => h.who === who && h.id === id)), "every processor to find the unannounced event", 5_000);
  } finally {
    await engine.close();
  }
});
