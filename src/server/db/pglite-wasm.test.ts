import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { openPglite } from "./adapters";
import { PGLITE_SHARED_BUFFERS, patchedPgliteWasm } from "./pglite-wasm";

test("the embedded database runs with the smaller buffer cache and the compiled-in rest", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-pglite-wasm-"));
  const { client } = await openPglite(dir);
  try {
    const settings = await client.query<{ name: string; setting: string; unit: string | null }>(
      "SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'wal_buffers', 'fsync', 'synchronous_commit') ORDER BY name",
    );
    const byName = Object.fromEntries(settings.rows.map((r) => [r.name, `${r.setting}${r.unit ? ` ${r.unit}` : ""}`]));
    // 16MB in 8 kB pages.
    assert.equal(PGLITE_SHARED_BUFFERS, "16MB");
    assert.equal(byName.shared_buffers, "2048 8kB");
    // The settings around it are untouched: durability stays on, the WAL buffers as compiled.
    assert.equal(byName.fsync, "on");
    assert.equal(byName.synchronous_commit, "on");
    assert.equal(byName.wal_buffers, "512 8kB");
    // A working database: pg_trgm loads, and a table larger than the cache reads back whole.
    await client.exec("CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE TABLE big (n int, pad text)");
    await client.query("INSERT INTO big SELECT n, repeat('x', 1000) FROM generate_series(1, 30000) n");
    const sum = await client.query<{ total: string; pages: number }>("SELECT sum(n)::text AS total, pg_relation_size('big')::int / 8192 AS pages FROM big");
    assert.equal(sum.rows[0]?.total, String((30000 * 30001) / 2));
    assert.ok((sum.rows[0]?.pages ?? 0) > 2048, "the table is larger than the buffer cache");
  } finally {
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a build without exactly one compiled-in setting is refused", () => {
  const setting = Buffer.from("\0shared_buffers=128MB\0");
  assert.throws(() => patchedPgliteWasm(Buffer.from("no settings here")), /exactly once/);
  assert.throws(() => patchedPgliteWasm(Buffer.concat([setting, setting])), /exactly once/);
  const patched = patchedPgliteWasm(Buffer.concat([Buffer.from("a"), setting, Buffer.from("b")]));
  assert.equal(Buffer.from(patched).toString("latin1"), "a\0shared_buffers=16MB\0\0b");
});
