import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { PGlite } from "@electric-sql/pglite";
import { DurableNodeFS, syncAfterTransactions } from "./durable-node-fs";

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
