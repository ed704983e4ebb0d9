import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { isUniqueViolation } from "./index";
import { pgliteSql, statement } from "./sql";

// pgliteSql's named prepared statements on a real (in-memory) PGlite: what
// `query()` did for these statements must still hold. PostgreSQL's side
// (poolSql, the pg driver's own named statements) runs in every integration
// suite on PostgreSQL.
let database: Awaited<ReturnType<typeof openMemoryDb>>;

before(async () => {
  database = await openMemoryDb();
});

after(async () => {
  await database.close();
});

const prepared = async () => (await database.client.query<{ name: string }>(`SELECT "name" FROM pg_prepared_statements ORDER BY "name"`)).rows.map((r) => r.name);

test("a statement is prepared once under its name and runs with values of each type, arrays and nulls included", async () => {
  const sql = pgliteSql(database.client);
  const echo = statement("sql_test_echo", `SELECT $1::text AS "t", $2::int AS "n", $3::boolean AS "b", $4::text[] AS "a", $5::jsonb AS "j", $6::text AS "missing"`);
  for (let i = 0; i < 3; i++) {
    const [row] = await sql.query<{ t: string; n: number; b: boolean; a: string[]; j: unknown; missing: null }>(echo, [
      `it's "quoted" ${i}`,
      i,
      i % 2 === 0,
      ["x", 'with "quotes", commas', "ü"],
      JSON.stringify({ i }),
      null,
    ]);
    assert.deepEqual(row, { t: `it's "quoted" ${i}`, n: i, b: i % 2 === 0, a: ["x", 'with "quotes", commas', "ü"], j: { i }, missing: null });
  }
  // Another Sql on the same client finds it prepared (PGlite's one session holds it).
  assert.deepEqual(await pgliteSql(database.client).query(echo, ["again", 7, false, [], "null", null]), [{ t: "again", n: 7, b: false, a: [], j: null, missing: null }]);
  assert.deepEqual(
    (await prepared()).filter((n) => n.startsWith("sql_test_")),
    ["sql_test_echo"],
    "prepared once, under its own name",
  );
});

test("a failing statement throws PostgreSQL's error (code included) and the session goes on", async () => {
  const sql = pgliteSql(database.client);
  await database.client.exec(`CREATE TABLE "sql_test_unique" ("k" text PRIMARY KEY)`);
  const insert = statement("sql_test_insert", `INSERT INTO "sql_test_unique" ("k") VALUES ($1) RETURNING "k"`);
  assert.deepEqual(await sql.query(insert, ["a"]), [{ k: "a" }]);
  await assert.rejects(sql.query(insert, ["a"]), (e: unknown) => isUniqueViolation(e));
  // The same prepared statement, and others, still work after the error.
  assert.deepEqual(await sql.query(insert, ["b"]), [{ k: "b" }]);
  assert.deepEqual(await sql.query(statement("sql_test_count", `SELECT count(*)::int AS "n" FROM "sql_test_unique"`), []), [{ n: 2 }]);
  // A statement that does not parse is refused, not kept, and does not break the next one.
  await assert.rejects(sql.query(statement("sql_test_broken", "SELEKT 1"), []), /syntax error/);
  assert.ok(!(await prepared()).includes("sql_test_broken"));
  assert.deepEqual(await sql.query(statement("sql_test_one", `SELECT 1 AS "one"`), []), [{ one: 1 }]);
});

test("a statement waits for a transaction Prisma holds open and sees only what it committed", async () => {
  const sql = pgliteSql(database.client);
  await database.client.exec(`CREATE TABLE "sql_test_tx" ("k" text PRIMARY KEY)`);
  const count = statement("sql_test_tx_count", `SELECT count(*)::int AS "n" FROM "sql_test_tx"`);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let inserted!: () => void;
  const insertedInTx = new Promise<void>((r) => (inserted = r));
  const tx = database.prisma.$transaction(async (t) => {
    await t.$executeRawUnsafe(`INSERT INTO "sql_test_tx" ("k") VALUES ('in-tx')`);
    inserted();
    await held;
  });
  await insertedInTx;
  let answered = false;
  const reading = sql.query<{ n: number }>(count, []).then((rows) => {
    answered = true;
    return rows;
  });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(answered, false, "it waits while the transaction is open");
  release();
  await tx;
  assert.deepEqual(await reading, [{ n: 1 }]);
});
