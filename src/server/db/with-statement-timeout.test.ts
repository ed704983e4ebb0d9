/**
 * The statement timeout of list queries, on the database the suite runs on:
 * PGlite by default, PostgreSQL with TANDEM_TEST_DB=postgres.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PrismaClient } from "../../generated/prisma/client";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { postgresEnv } from "../../../tests/helpers/server";
import { isAppError } from "../errors";
import { createPostgresAdapter } from "./adapters";
import { withStatementTimeout } from "./with-statement-timeout";

const onPostgres = process.env.TANDEM_TEST_DB === "postgres";
let prisma: PrismaClient;
let close: () => Promise<void>;

before(async () => {
  if (onPostgres) {
    prisma = new PrismaClient({ adapter: createPostgresAdapter((await postgresEnv()).DATABASE_URL, 2) });
    close = () => prisma.$disconnect();
  } else {
    const memory = await openMemoryDb();
    prisma = memory.prisma;
    close = memory.close;
  }
});

after(async () => {
  await close();
});

test("the timeout holds inside the transaction only", async () => {
  const inside = await withStatementTimeout(prisma, 250, (tx) => tx.$queryRaw<Array<{ t: string }>>`SELECT current_setting('statement_timeout') AS t`);
  assert.equal(inside[0]!.t, "250ms");
  const outside = await prisma.$queryRaw<Array<{ t: string }>>`SELECT current_setting('statement_timeout') AS t`;
  assert.equal(outside[0]!.t, "0");
});

test(
  onPostgres
    ? "PostgreSQL cancels a statement past the timeout and it becomes UNAVAILABLE"
    : "PGlite accepts the timeout but cannot enforce it (documented): the statement completes",
  async () => {
    const slow = withStatementTimeout(prisma, 200, (tx) => tx.$queryRaw`SELECT pg_sleep(1.5)::text AS slept`);
    if (onPostgres) {
      await assert.rejects(slow, (e) => isAppError(e) && e.code === "UNAVAILABLE");
      // The connection is healthy afterwards.
      assert.deepEqual(await prisma.$queryRaw`SELECT 1 AS one`, [{ one: 1 }]);
    } else {
      await slow;
    }
  },
);
