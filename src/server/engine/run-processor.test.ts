import assert from "node:assert/strict";
import { test } from "node:test";
import type { PrismaClient } from "../../generated/prisma/client";
import type { Coordinator } from "./cluster-connection";
import type { CursorStore } from "./cursor-store";
import { GATHER_MS, type Processor } from "./processor";
import { runProcessor } from "./run-processor";
import type { StreamRead } from "./shared-reader";
import { type Cursor, STREAM_START, type StreamEvent } from "./stream";

// In-process fakes: what is tested is how the runner paces its lease
// attempts and reads; tests/integration/engine.test.ts runs it on PostgreSQL.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * A poll that never comes within a test (the largest timer Node keeps): the
 * runners poll on a beat at a random phase per process, which with a
 * one-minute poll could land where a test counts reads.
 */
const NO_POLL_MS = 2 ** 31 - 1;

function cursors(): CursorStore {
  return { load: async () => STREAM_START, note: () => undefined, flush: async () => undefined, close: async () => undefined };
}

const processor = (handled: StreamEvent[] = []): Processor => ({ name: "p", scope: "cluster", handle: (batch) => void handled.push(...batch) });

/** A stream in memory, its lease always held here: `add(n)` commits event n, `reads()` counts the reads. */
function fakeStream() {
  let reads = 0;
  let committed: StreamEvent[] = [];
  const coordinator: Coordinator = { acquire: async () => true, held: () => true, othersListening: () => false, close: async () => undefined };
  const read = async (after: Cursor): Promise<StreamRead> => {
    reads++;
    return { events: committed.filter((e) => e.cursor.position > after.position), pending: false, full: false };
  };
  const add = (n: number) => {
    committed = [...committed, { cursor: { txId: BigInt(n), position: BigInt(n) }, event: null, requesterId: "r" }];
  };
  return { coordinator, read, add, reads: () => reads };
}

test("a cluster processor waiting for its lease tries for it on its poll, not at every event another process commits", async () => {
  let attempts = 0;
  const coordinator: Coordinator = { acquire: async () => (attempts++, false), held: () => false, othersListening: () => false, close: async () => undefined };
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
  const coordinator: Coordinator = { acquire: async () => true, held: () => true, othersListening: () => false, close: async () => undefined };
  const read = async (after: Cursor): Promise<StreamRead> => ({ events: committed.filter((e) => e.cursor.position > after.position), pending: false, full: false });
  const runner = await runProcessor(processor(handled), { prisma: {} as PrismaClient, coordinator, read, cursors: cursors(), pollMs: NO_POLL_MS, log: () => undefined });
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

test("a processor with a gathering window reads once for the commits of that window, and misses none", async () => {
  const batches: StreamEvent[][] = [];
  const stream = fakeStream();
  const gathering: Processor = { name: "p", scope: "cluster", gatherMs: 1000, handle: (batch) => void batches.push(batch) };
  const runner = await runProcessor(gathering, { prisma: {} as PrismaClient, coordinator: stream.coordinator, read: stream.read, cursors: cursors(), pollMs: NO_POLL_MS, log: () => undefined });
  const commit = (n: number) => {
    stream.add(n);
    runner.wake();
  };
  try {
    await sleep(50);
    const readsBefore = stream.reads();
    // Five commits in one window: one, then four more a moment later (the
    // window is long, so a loaded machine cannot close it in between).
    commit(1);
    await sleep(20);
    for (let n = 2; n <= 5; n++) commit(n);
    assert.equal(batches.length, 0, "nothing read before the window closed");
    for (let i = 0; i < 300 && batches.length === 0; i++) await sleep(10);
    assert.deepEqual(
      batches.map((b) => b.map((e) => Number(e.cursor.position))),
      [[1, 2, 3, 4, 5]],
      "the window's five commits in one batch",
    );
    assert.equal(stream.reads() - readsBefore, 1, "one read for the window");
    // A commit after the window opens a new one: it is not lost.
    commit(6);
    for (let i = 0; i < 300 && batches.length < 2; i++) await sleep(10);
    assert.deepEqual(batches[1]?.map((e) => Number(e.cursor.position)), [6]);
  } finally {
    await runner.stop();
  }
});

test("a processor that reads at once waits GATHER_MS for a commit already delivered, and reads at once when an urgent one follows", async () => {
  const batches: number[][] = [];
  const stream = fakeStream();
  const relay: Processor = { name: "relay", scope: "process", handle: (batch) => void batches.push(batch.map((e) => Number(e.cursor.position))) };
  // A process processor starts at the stream's head (streamHead's query): here, before everything.
  const prisma = { $queryRaw: async () => [] } as unknown as PrismaClient;
  const runner = await runProcessor(relay, { prisma, coordinator: stream.coordinator, read: stream.read, cursors: cursors(), pollMs: NO_POLL_MS, log: () => undefined });
  const commit = (n: number, urgent: boolean) => {
    stream.add(n);
    runner.wake(urgent);
  };
  try {
    await sleep(50);
    const started = performance.now();
    commit(1, false);
    // The fakes answer within microtasks, so a read would be done by the next timer.
    await sleep(0);
    assert.deepEqual(batches, [], "no read before the window closed");
    for (let i = 0; i < 300 && batches.length === 0; i++) await sleep(5);
    assert.deepEqual(batches, [[1]], "read once the window closed");
    assert.ok(performance.now() - started >= GATHER_MS - 5, "not before GATHER_MS");
    // Not urgent, then urgent within the window: read at once, both in one batch.
    commit(2, false);
    commit(3, true);
    await sleep(0);
    assert.deepEqual(batches, [[1], [2, 3]], "the urgent commit did not wait for the window");
    // The window it ended does not read again when it would have closed.
    const readsThen = stream.reads();
    await sleep(GATHER_MS + 50);
    assert.equal(stream.reads(), readsThen);
  } finally {
    await runner.stop();
  }
});
