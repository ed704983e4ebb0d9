/**
 * The event stream and its processors on a real PostgreSQL (issue 8 §1):
 * concurrent writers whose transactions commit out of position order never
 * make a reader skip or repeat an event; cluster processors run in one
 * process at a time, resume from their stored cursor and fail over; a commit
 * announced by its process wakes the others through a NOTIFY sent after it. In-process: the engine gets its
 * database passed in; each "process" here is one engine with its own
 * connections.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../../src/generated/prisma/client";
import type { Processor } from "../../src/server/engine/processor";
import { listenersLockKeys } from "../../src/server/engine/cluster-connection";
import { type Engine, startEngine } from "../../src/server/engine/start-engine";
import { type Cursor, readStream, readStreamBatch, STREAM_START, type StreamEvent } from "../../src/server/engine/stream";
import { prismaSql } from "../../src/server/db/sql";
import { recordEvent } from "../../src/server/events/record-event";
import { migratePostgres } from "../helpers/migrations";
import { type Postgres, startPostgres } from "../helpers/services";
import { until as waitUntil } from "../helpers/until";

let postgres: Postgres;
let url: string;
let prisma: PrismaClient;
let actor: { id: string; name: string };
const tickets: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quiet = () => undefined;
/**
 * A poll that never comes within a test: the largest timer Node keeps. The
 * processors poll on a beat at a random phase per process (run-processor.ts),
 * so with a one-minute poll a beat could land in a window where a test
 * counts reads (once in some fifty runs): a test counting wake-ups' reads
 * polls never.
 */
const NO_POLL_MS = 2 ** 31 - 1;

before(async () => {
  postgres = await startPostgres();
  url = await postgres.createDatabase();
  await migratePostgres(url);
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 20 }) });
  actor = await prisma.user.create({ data: { name: "Ada", email: "ada@example.com", passwordHash: "x", role: "AGENT" }, select: { id: true, name: true } });
  for (let i = 0; i < 4; i++) {
    const t = await prisma.ticket.create({ data: { title: `T${i}`, description: "d", requesterId: actor.id }, select: { id: true } });
    tickets.push(t.id);
  }
});

after(async () => {
  await prisma?.$disconnect();
  await postgres?.stop();
});

let commentNo = 0;
/** Commit one comment event on `ticketId`, optionally holding the transaction open for `holdMs` after the insert. */
async function write(ticketId: string, holdMs = 0): Promise<string> {
  const n = ++commentNo;
  const recorded = await prisma.$transaction(
    async (tx) => {
      const e = await recordEvent(tx, {
        ticketId,
        type: "comment:added",
        actor,
        data: {
          comment: { id: `c${n}`, ticketId, body: `comment ${n}`, internal: false, author: { ...actor, role: "AGENT" }, createdAt: new Date().toISOString() },
        },
      });
      if (holdMs) await sleep(holdMs);
      return e;
    },
    // 60 writers share 20 connections and queue on 4 ticket rows: waiting for
    // a connection is expected here (Prisma gives up after 2 s by default).
    { timeout: 30_000, maxWait: 30_000 },
  );
  return `${recorded.ticketId}#${recorded.seq}`;
}

const keyOf = (e: StreamEvent) => `${e.event!.ticketId}#${e.event!.seq}`;

test("a reader following the stream sees every committed event exactly once, though transactions commit out of position order", async () => {
  // Transactions hold their event for random times, so later positions often
  // commit first: a reader going by position alone would skip the slow ones.
  let cursor: Cursor = STREAM_START;
  const seen: string[] = [];
  let writing = true;
  const reader = (async () => {
    for (;;) {
      const done = !writing;
      const batch = await readStream(prismaSql(prisma), cursor, 7);
      for (const e of batch) seen.push(keyOf(e));
      if (batch.length) cursor = batch[batch.length - 1]!.cursor;
      else if (done) return;
      else await sleep(5);
    }
  })();
  const written = await Promise.all(
    Array.from({ length: 60 }, (_, i) => sleep(i * 3).then(() => write(tickets[i % tickets.length]!, Math.floor(Math.random() * 40)))),
  );
  writing = false;
  await reader;
  assert.equal(new Set(seen).size, seen.length, "no event read twice");
  assert.deepEqual([...seen].sort(), [...written].sort(), "every committed event read");
});

test("an event is not readable while an older transaction is still running, and comes right after it commits", async () => {
  const { cursor } = (await readStream(prismaSql(prisma), STREAM_START, 10_000)).at(-1)!;
  const held = new pg.Client({ connectionString: url });
  await held.connect();
  try {
    // An older transaction that has written something (so it has an id) and has not committed.
    await held.query("BEGIN");
    await held.query(`UPDATE "Ticket" SET "updatedAt" = now() WHERE id = $1`, [tickets[3]]);
    const later = await write(tickets[0]!);
    assert.deepEqual(await readStream(prismaSql(prisma), cursor, 10), [], "held back by the running older transaction");
    // The reader is told something committed is waiting, so it looks again soon rather than at its next poll.
    assert.deepEqual(await readStreamBatch(prismaSql(prisma), cursor, 10), { events: [], pending: true });
    await held.query("COMMIT");
    const { events: batch, pending } = await readStreamBatch(prismaSql(prisma), cursor, 10);
    assert.deepEqual(batch.map(keyOf), [later]);
    assert.equal(pending, false, "nothing is held back any more");
    // Read to the end: nothing readable and nothing pending, so the reader can sleep until the next commit wakes it.
    assert.deepEqual(await readStreamBatch(prismaSql(prisma), batch.at(-1)!.cursor, 10), { events: [], pending: false });
  } finally {
    await held.end();
  }
});

/** A processor that records what it handled, as `who`. */
function recorder(name: string, who: string, log: { who: string; key: string }[], scope: Processor["scope"] = "cluster"): Processor {
  return {
    name,
    scope,
    handle(batch) {
      for (const e of batch) log.push({ who, key: keyOf(e) });
    },
  };
}

const until = (check: () => boolean, what: string, ms = 10_000) => waitUntil(check, what, ms);

test("a cluster processor runs in one process at a time, fails over with its stored cursor, and misses nothing", async () => {
  const log: { who: string; key: string }[] = [];
  // A short poll: the writes here announce nothing (no engine of theirs), as
  // with a process killed right after its commit; the poll finds them.
  const open = (who: string): Promise<Engine> =>
    startEngine({ prisma, databaseUrl: url, processors: [recorder("failover", who, log)], pollMs: 500, log: quiet });
  const a = await open("a");
  const b = await open("b");
  let engines = [a, b];
  try {
    // One of them holds the lease and has stored its starting cursor (the head).
    await until(() => [a, b].some((e) => e.status()[0]!.cursor !== null), "a lease holder");
    const first = await Promise.all(Array.from({ length: 20 }, (_, i) => write(tickets[i % 4]!)));
    await until(() => first.every((k) => log.some((l) => l.key === k)), "the first writes to be handled");
    const holders = new Set(log.map((l) => l.who));
    assert.equal(holders.size, 1, `one process handled them (got ${[...holders].join(", ")})`);
    assert.equal(log.length, first.length, "each exactly once while nothing failed");

    // The holder stops (a deploy); the other takes the lease over and resumes from the stored cursor.
    const holder = holders.has("a") ? a : b;
    const other = holder === a ? "b" : "a";
    await holder.close();
    engines = engines.filter((e) => e !== holder);
    const second = await Promise.all(Array.from({ length: 20 }, (_, i) => write(tickets[i % 4]!)));
    await until(() => second.every((k) => log.some((l) => l.key === k && l.who === other)), "the other process to take over");

    // Nobody runs it for a while; what commits meanwhile is handled on the next start, from the stored cursor.
    await engines[0]!.close();
    engines = [];
    const third = await Promise.all(Array.from({ length: 5 }, (_, i) => write(tickets[i % 4]!)));
    engines = [await open("c")];
    await until(() => third.every((k) => log.some((l) => l.key === k && l.who === "c")), "a restarted process to resume from the stored cursor");
    const all = [...first, ...second, ...third];
    assert.deepEqual([...new Set(log.map((l) => l.key))].sort(), [...all].sort(), "nothing missed, nothing from before the processor existed");
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
});

test("a failing batch is handed over again (at least once, in order)", async () => {
  const handled: string[] = [];
  let failuresLeft = 2;
  const flaky: Processor = {
    name: "flaky",
    scope: "cluster",
    handle(batch) {
      if (failuresLeft-- > 0) throw new Error("downstream unavailable");
      for (const e of batch) handled.push(keyOf(e));
    },
  };
    const logged: string[] = [];
  // Wake-ups must not cut the backoff short: a failing downstream is not hammered.
  const engine = await startEngine({ prisma, databaseUrl: url, processors: [flaky], pollMs: 200, log: (m) => logged.push(m) });
  try {
    await until(() => engine.status()[0]!.cursor !== null, "the lease");
    const written: string[] = [];
    for (let i = 0; i < 5; i++) written.push(await write(tickets[0]!));
    await until(() => written.every((k) => handled.includes(k)), "the batch to succeed after retries", 15_000);
    assert.deepEqual(handled.filter((k) => written.includes(k)), written, "in commit order on one ticket");
    assert.equal(logged.filter((m) => /processor flaky failed/.test(m)).length, 2, "each failure logged");
  } finally {
    await engine.close();
  }
});

test("a commit in one process wakes the others' processors through NOTIFY, long before their poll", async () => {
  const log: { who: string; key: string }[] = [];
  // No poll: the event can only arrive because the commit was announced.
  const engine = await startEngine({ prisma, databaseUrl: url, processors: [recorder("notify-relay", "p", log, "process")], pollMs: NO_POLL_MS, log: quiet });
  // The committing process: what its use case does after the commit (announceCommitted).
  const committer = await startEngine({ prisma, databaseUrl: url, processors: [], pollMs: NO_POLL_MS, log: quiet });
  try {
    // No wait for the LISTEN connection: one that comes up late looks at the stream at once.
    const key = await write(tickets[1]!);
    committer.wake();
    await until(() => log.some((l) => l.key === key), "the notified process to read the event", 10_000);
  } finally {
    await engine.close();
    await committer.close();
  }
});

test("the NOTIFY is sent after the commit, from a statement of its own, one per burst, and its sender ignores its own", async () => {
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  const heard: string[] = [];
  // Commits' notifications (not a starting process's hello).
  listener.on("notification", (n) => void (n.payload?.startsWith("hello:") || heard.push(n.payload ?? "")));
  await listener.query("LISTEN tandem_events");
  // Counted as a listening process, as another Tandem process's LISTEN connection is.
  await listener.query("SELECT pg_advisory_lock_shared($1::int4, $2::int4)", listenersLockKeys());
  const log: { who: string; key: string }[] = [];
  let reads = 0;
  const engine = await startEngine({
    prisma,
    databaseUrl: url,
    processors: [recorder("own-notify", "p", log, "process")],
    pollMs: NO_POLL_MS,
    log: quiet,
    onStreamRead: () => reads++,
  });
  try {
    // The statements that record an event notify nobody: a transaction that
    // notifies commits under a cluster-wide lock held across its WAL flush.
    const key = await write(tickets[2]!);
    await sleep(300);
    assert.deepEqual(heard, [], "recording an event sends no notification");
    await sleep(500); // The engine's LISTEN connection is up by now.
    const readsBefore = reads;
    engine.wake();
    await until(() => heard.length === 1, "the engine's notification");
    assert.notEqual(heard[0], "", "it carries the sender's token");
    await until(() => log.some((l) => l.key === key), "the local processor, woken directly");
    await sleep(300);
    assert.equal(reads - readsBefore, 1, "one read: the sender's own notification does not wake it again");

    // A burst of commits: one NOTIFY in flight, one more for what came meanwhile.
    heard.length = 0;
    for (let i = 0; i < 50; i++) engine.wake();
    await sleep(500);
    assert.equal(heard.length, 2, "two notifications for 50 wake-ups in a row");
  } finally {
    await engine.close();
    await listener.end();
  }
});

test("alone, a process sends no NOTIFY; one that starts listening is answered at once and notified; once it left, none again", async () => {
  // A bystander that hears every notification but is not counted as a listener (no shared lock).
  const bystander = new pg.Client({ connectionString: url });
  await bystander.connect();
  const heard: string[] = [];
  bystander.on("notification", (n) => heard.push(n.payload ?? ""));
  await bystander.query("LISTEN tandem_events");
  const commits = () => heard.filter((p) => !p.startsWith("hello:"));
  /** The first process commits and wakes: nobody is notified. */
  const assertCommitNotAnnounced = async (why: string) => {
    heard.length = 0;
    await write(tickets[3]!);
    a.wake();
    await sleep(500);
    assert.deepEqual(commits(), [], why);
  };
  const a = await startEngine({ prisma, databaseUrl: url, processors: [], pollMs: NO_POLL_MS, listenersRecountMs: 200, log: quiet });
  let b: Engine | undefined;
  try {
    await until(() => heard.some((p) => p.startsWith("hello:")), "the first process's hello");
    await sleep(300);
    await assertCommitNotAnnounced("alone: no NOTIFY for its commit");

    // A second process starts listening: the first answers its hello with a
    // NOTIFY (what it committed unannounced just before reaches it now), and
    // announces its commits from then on, long before the second's poll.
    const log: { who: string; key: string }[] = [];
    b = await startEngine({ prisma, databaseUrl: url, processors: [recorder("joined-relay", "b", log, "process")], pollMs: NO_POLL_MS, listenersRecountMs: 200, log: quiet });
    await until(() => heard.some((p) => p.startsWith("hello:")), "the second process's hello");
    await until(() => commits().length === 1, "the first process's answer to it");
    await sleep(300);
    const key = await write(tickets[3]!);
    a.wake();
    await until(() => log.some((l) => l.key === key), "the second process to be notified of the first's commit", 10_000);

    // It leaves: within a recount the first is alone again and stops notifying.
    await b.close();
    b = undefined;
    await sleep(1000); // five recounts
    await assertCommitNotAnnounced("alone again: no NOTIFY");
  } finally {
    await b?.close();
    await a.close();
    await bystander.end();
  }
});

test("one read per commit serves all of a process's processors, though the committing code also wakes the engine", async () => {
  const log: { who: string; key: string }[] = [];
  let reads = 0;
  const engine = await startEngine({
    prisma,
    databaseUrl: url,
    processors: [recorder("shared-relay", "relay", log, "process"), recorder("shared-a", "a", log), recorder("shared-b", "b", log)],
    // No poll: every read here is a wake-up's.
    pollMs: NO_POLL_MS,
    log: quiet,
    onStreamRead: () => reads++,
  });
  try {
    await until(() => engine.status().every((s) => s.cursor !== null), "the leases");
    await sleep(300);
    const before = reads;
    const written: string[] = [];
    for (let i = 0; i < 5; i++) {
      const key = await write(tickets[2]!);
      // What a use case does after its commit (announceCommitted).
      engine.wake();
      written.push(key);
      await until(() => ["relay", "a", "b"].every((who) => log.some((l) => l.who === who && l.key === key)), `every processor to handle ${key}`);
    }
    assert.equal(reads - before, written.length, "one read per commit");
    for (const who of ["relay", "a", "b"]) {
      assert.deepEqual(log.filter((l) => l.who === who).map((l) => l.key), written, `${who} handled each once, in order`);
    }
  } finally {
    await engine.close();
  }
});

test("a cursor is stored within a moment of its batch; a holder that dies first hands only that tail over again", async () => {
  const log: { who: string; key: string }[] = [];
  const stored = async () => {
    const row = await prisma.processorCursor.findUnique({ where: { name: "lagging" } });
    return row ? `${row.txId}:${row.position}` : null;
  };
  const at = (c: Cursor | null) => (c ? `${c.txId}:${c.position}` : null);
  const a = await startEngine({ prisma, databaseUrl: url, processors: [recorder("lagging", "a", log)], pollMs: 200, cursorSaveMs: 2000, log: quiet });
  let b: Engine | undefined;
  try {
    await until(() => a.status()[0]!.cursor !== null, "the lease");
    const first = await write(tickets[3]!);
    await until(() => log.some((l) => l.key === first), "the batch");
    const handled = at(a.status()[0]!.cursor);
    assert.notEqual(await stored(), handled, "not stored right after the batch");
    const deadline = Date.now() + 6000;
    while ((await stored()) !== handled) {
      assert.ok(Date.now() < deadline, "stored within cursorSaveMs");
      await sleep(50);
    }

    // A second process waits for the lease. Another event; then the holder's
    // database session dies before its cursor is stored (as with kill -9).
    b = await startEngine({ prisma, databaseUrl: url, processors: [recorder("lagging", "b", log)], pollMs: 200, log: quiet });
    const second = await write(tickets[3]!);
    await until(() => log.some((l) => l.who === "a" && l.key === second), "the second batch");
    await prisma.$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`;
    // The next holder takes over from the stored cursor: the unstored tail
    // (the second event) again, nothing before it. Usually b, which waits for
    // the lease; but a reconnects after a second and may win the lease back
    // first (on a loaded machine b's next try can come later than that), and
    // it then starts from the stored cursor just the same.
    await until(() => log.filter((l) => l.key === second).length >= 2, "the next holder to hand the tail over again", 30_000);
    assert.equal(log.filter((l) => l.key === first).length, 1, "what was stored is not handed over again");
  } finally {
    await a.close();
    await b?.close();
  }
});
