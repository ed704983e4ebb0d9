import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { reportProcessStatus } from "./process-status";

let database: Awaited<ReturnType<typeof openMemoryDb>>;

before(async () => {
  database = await openMemoryDb();
});

after(async () => {
  await database?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a process reports itself at once, sweeps rows of processes gone an hour at its first beat, keeps the others, and removes its own row when it stops", async () => {
  const { prisma } = database;
  const row = (id: string, seenAt: Date) => ({ id, pid: 1, host: "h", startedAt: seenAt, sockets: 0, redis: "disabled", relayLagMs: null, seenAt });
  await prisma.processStatus.createMany({
    data: [row("gone", new Date(Date.now() - 2 * 60 * 60 * 1000)), row("other", new Date(Date.now() - 10_000))],
  });
  const stop = reportProcessStatus(prisma, async () => ({ sockets: 7, redis: "ok", relayLagMs: 12 }));
  try {
    let ids: string[] = [];
    for (let i = 0; i < 100 && !(ids.length === 2 && !ids.includes("gone")); i++) {
      await sleep(20);
      ids = (await prisma.processStatus.findMany({ select: { id: true } })).map((r) => r.id);
    }
    assert.equal(ids.length, 2, JSON.stringify(ids));
    assert.ok(ids.includes("other"), "a process seen 10 s ago is kept");
    const own = await prisma.processStatus.findFirstOrThrow({ where: { id: { not: "other" } } });
    assert.equal(own.pid, process.pid);
    assert.deepEqual([own.sockets, own.redis, own.relayLagMs], [7, "ok", 12]);
  } finally {
    await stop();
  }
  assert.deepEqual((await prisma.processStatus.findMany({ select: { id: true } })).map((r) => r.id), ["other"]);
});
