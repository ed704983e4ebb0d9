import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { PGlite, protocol } from "@electric-sql/pglite";
import { DurableNodeFS, syncAfterTransactions } from "./durable-node-fs";
import { pgliteSql, statement } from "./sql";

const { serialize } = protocol;
let dir: string;
let durable: DurableNodeFS;
let db: PGlite;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-durable-"));
  durable = new DurableNodeFS(dir);
  db = syncAfterTransactions(await PGlite.create({ fs: durable }));
  await db.exec("CREATE TABLE note (body text)");
});

after(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a commit syncs the WAL it wrote before the query returns", async () => {
  const before = durable.counters.filesSynced;
  await db.query("INSERT INTO note VALUES ($1)", ["on disk before the answer"]);
  assert.ok(durable.counters.filesSynced > before, "fdatasync ran");
  assert.ok(
    durable.counters.lastFiles.some((f) => f.startsWith(path.join(path.resolve(dir), "pg_wal") + path.sep)),
    `a WAL segment was among the synced files: ${durable.counters.lastFiles.join(", ")}`,
  );
});

test("a read syncs nothing", async () => {
  await db.query("SELECT 1");
  const before = { ...durable.counters };
  assert.equal((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM note")).rows[0]?.n, 1);
  assert.equal(durable.counters.filesSynced, before.filesSynced);
  assert.equal(durable.counters.syncs, before.syncs);
});

test("a transaction (how Prisma writes) is synced before transaction() resolves", async () => {
  const before = durable.counters.filesSynced;
  await db.transaction(async (tx) => {
    await tx.query("INSERT INTO note VALUES ('a')");
    await tx.query("INSERT INTO note VALUES ('b')");
  });
  const synced = durable.counters.filesSynced;
  assert.ok(synced > before, "the COMMIT's WAL was synced");
  // Nothing is left unsynced once the commit has returned.
  await db.query("SELECT 1");
  assert.equal(durable.counters.filesSynced, synced);
});

test("commits to the same WAL segment reuse one open handle, and every one is synced", async () => {
  await db.query("INSERT INTO note VALUES ('warm')");
  const before = { ...durable.counters };
  for (let i = 0; i < 5; i++) await db.query("INSERT INTO note VALUES ($1)", [`commit ${i}`]);
  assert.ok(durable.counters.filesSynced - before.filesSynced >= 5, "each commit synced its WAL");
  assert.equal(durable.counters.walOpens, before.walOpens, "no WAL segment was opened again");
});

test("a WAL segment switch opens the new segment and syncs it before the query returns", async () => {
  const segment = async () => (await db.query<{ name: string }>("SELECT pg_walfile_name(pg_current_wal_insert_lsn()) AS name")).rows[0]!.name;
  const first = await segment();
  await db.query("SELECT pg_switch_wal()");
  await db.query("INSERT INTO note VALUES ('in the next segment')");
  const second = await segment();
  assert.notEqual(second, first);
  assert.ok(durable.counters.lastFiles.some((f) => f.endsWith(path.join("pg_wal", second))), `synced ${durable.counters.lastFiles.join(", ")}`);
});

test("a caller that asks while a sync runs waits for one that covers its writes", async () => {
  // Two writes that nobody has synced yet (PGlite's protocol call without its sync).
  const write = (body: string) => db.execProtocol(serialize.query(`INSERT INTO note VALUES ('${body}')`), { syncToFs: false });
  await write("first, unsynced");
  let firstDone = false;
  const first = durable.durable().then(() => (firstDone = true));
  // The first sync took the first write; this one asks while it runs, with
  // its own write not yet taken by anyone.
  await write("second, unsynced");
  const writes = durable.counters.writes;
  await durable.syncToFs();
  assert.ok(firstDone, "returned before the sync that was running had finished");
  assert.ok(durable.counters.durableWrites >= writes, "returned before its own write was synced");
  await first;
});

test("a caller with nothing left to take still waits for the sync that took its write", async () => {
  await db.execProtocol(serialize.query("INSERT INTO note VALUES ('taken by another')"), { syncToFs: false });
  const writes = durable.counters.writes;
  const other = durable.durable(); // takes the write
  await durable.syncToFs(); // nothing left to take, yet the write is not on disk until `other` is done
  assert.ok(durable.counters.durableWrites >= writes, "returned while another sync still held its write");
  await other;
});

test("pgliteSql's statements share their syncs (a group commit) and none returns before its write is on disk", async () => {
  const sql = pgliteSql(db);
  const insert = statement("durable_test_insert", `INSERT INTO note VALUES ($1) RETURNING body`);
  // The writes PostgreSQL had made when each statement's turn ended, by its rows.
  const endOfTurn = new Map<unknown, number>();
  const internals = db as unknown as { _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T> };
  const runExclusive = internals._runExclusiveQuery.bind(db);
  internals._runExclusiveQuery = (fn) =>
    runExclusive(async () => {
      const result = await fn();
      endOfTurn.set(result, durable.counters.writes);
      return result;
    });
  try {
    await sql.query(insert, ["warm"]);
    const before = durable.counters.syncs;
    const unsynced: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const rows = await sql.query<{ body: string }>(insert, [`concurrent ${i}`]);
        const end = endOfTurn.get(rows);
        assert.ok(end !== undefined && end > 0, "the statement's turn was seen");
        if (durable.counters.durableWrites < end) unsynced.push(rows[0]!.body);
      }),
    );
    assert.deepEqual(unsynced, [], "every statement returned only once its writes were on disk");
    const syncs = durable.counters.syncs - before;
    assert.ok(syncs >= 1 && syncs < 20, `20 concurrent commits shared their syncs (${syncs})`);
  } finally {
    internals._runExclusiveQuery = runExclusive;
  }
});
