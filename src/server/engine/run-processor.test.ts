import assert from "node:assert/strict";
import { test } from "node:test";
import type { PrismaClient } from "../../generated/prisma/client";
import type { Coordinator } from "./cluster-connection";
import type { CursorStore } from "./cursor-store";
import type { Processor } from "./processor";
import { runProcessor } from "./run-processor";
import type { StreamRead } from "./shared-reader";
import { type Cursor, STREAM_START, type StreamEvent } from "./stream";

// In-process fakes: what is tested is how the runner paces its lease
// attempts and reads; tests/integration/engine.test.ts runs it on PostgreSQL.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cursors(): CursorStore {
  return { load: async () => STREAM_START, note: () => undefined, flush: async () => undefined, close: async () => undefined };
}

const processor = (handled: StreamEvent[] = []): Processor => ({ name: "p", scope: "cluster", handle: (batch) => void handled.push(...batch) });

test("a cluster processor waiting for its lease tries for it on its poll, not at every event another process commits", async () => {
  let attempts = 0;
  const coordinator: Coordinator = { acquire: async () => (attempts++, false), held: () => false, close: async () => undefined };
  const runner = await runProcessor(processor(), {
    prisma: {} as PrismaClient,
    coordinator,
    read: async () => assert.fail("a process without the lease read the stream"),
    cursors: cursors(),
    pollMs: 200,
    log: () => undefined,
  });
  try {
    // About a hundred commits elsewhere in half a second, each a wake-up (a NOTIFY).
    const started = Date.now();
    while (Date.now() - started < 500) {
      runner.wake();
      await sleep(5);
    }
    // The first attempt at start, then one per 200 ms poll. Woken as well, it
    // made an attempt (a query) per wake-up: about a hundred here.
    assert.ok(attempts >= 1 && attempts <= 5, `${attempts} lease attempts in 500 ms`);
  } finally {
    await runner.stop();
  }
});

test("the lease holder reads at once when woken, whatever its poll", async () => {
  const handled: StreamEvent[] = [];
  let committed: StreamEvent[] = [];
  const coordinator: Coordinator = { acquire: async () => true, held: () => true, close: async () => undefined };
  const read = async (after: Cursor): Promise<StreamRead> => ({ events: committed.filter((e) => e.cursor.position > after.position), pending: false, full: false });
  const runner = await runProcessor(processor(handled), { prisma: {} as PrismaClient, coordinator, read, cursors: cursors(), pollMs: 60_000, log: () => undefined });
  try {
    await sleep(50);
    committed = [{ cursor: { txId: 1n, position: 1n }, event: null, requesterId: "r" }];
    runner.wake();
    for (let i = 0; i < 300 && handled.length === 0; i++) await sleep(10);
    assert.equal(handled.length, 1, "the event was handled well before the 60 s poll");
  } finally {
    await runner.stop();
  }
});
