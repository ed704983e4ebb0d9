import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../../generated/prisma/client";
import { emptyPglite } from "../../../tests/helpers/memory-db";
import { openPglite } from "./adapters";

let dir: string;
let opened: Awaited<ReturnType<typeof openPglite>>;
let prisma: PrismaClient;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-pglite-parsers-"));
  opened = await openPglite(dir);
  prisma = new PrismaClient({ adapter: opened.adapter });
});

after(async () => {
  await prisma?.$disconnect();
  await opened?.client.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the parser table holds PGlite's base parsers and the arrays Prisma's adapter maps, not one per array type", () => {
  const keys = Object.keys(opened.client.parsers);
  assert.ok(keys.length < 50, `${keys.length} parsers`);
  for (const oid of [16, 20, 23, 25, 114, 1114, 1184, 3802, 1007, 1009, 1016]) assert.ok(keys.includes(String(oid)), `parser for ${oid}`);
});

test("every type Prisma can receive reads back through the adapter as with PGlite's full parser table", async () => {
  // The same query through a PGlite that keeps every parser (as before) and through the embedded database's.
  const full = await emptyPglite();
  const before = new PrismaClient({ adapter: new PrismaPGlite(full) as unknown as SqlMigrationAwareDriverAdapterFactory });
  try {
    assert.ok(Object.keys(full.parsers).length > 300, "PGlite's own table has an entry per array type");
    const read = async (db: PrismaClient) => {
      await db.$executeRawUnsafe(`DO $$ BEGIN CREATE TYPE mood AS ENUM ('calm'); EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
      return db.$queryRaw<Record<string, unknown>[]>`
        SELECT true AS b, 7::int2 AS i2, 42::int4 AS i4, 9007199254740993::int8 AS i8, 26::oid AS o, 1.5::float4 AS f4, 2.25::float8 AS f8,
               12.50::numeric AS num, 'x'::text AS t, 'v'::varchar AS v, 'c'::char(1) AS ch, '{"a":[1,2]}'::jsonb AS j, '[1]'::json AS js,
               '2026-12-05'::date AS d, '10:11:12'::time AS tm, '2026-12-05 10:11:12.345'::timestamp AS ts,
               '2026-12-05 10:11:12.345+00'::timestamptz AS tz, '\\x0102'::bytea AS by, gen_random_uuid() IS NOT NULL AS u,
               ARRAY[1,2]::int2[] AS ai2, ARRAY[1,2]::int4[] AS ai4, ARRAY['a','b,c', NULL]::text[] AS at, ARRAY['v']::varchar[] AS av,
               ARRAY[3]::int8[] AS ai8, ARRAY[1.5]::float4[] AS af4, ARRAY[1.5]::float8[] AS af8,
               ARRAY['2026-12-05']::date[] AS ad, ARRAY['2026-12-05 10:11:12']::timestamp[] AS ats,
               ARRAY['\\x03']::bytea[] AS aby, ARRAY[26]::oid[] AS ao, 'calm'::mood AS enum_value`;
    };
    const [was] = await read(before);
    const [now] = await read(prisma);
    assert.deepEqual(now, was);
    assert.deepEqual(now?.ai4, [1, 2], "arrays are still parsed");
    // (PGlite's array parser reads a NULL element as the string "NULL", with or without this change.)
    assert.deepEqual(now?.at, ["a", "b,c", "NULL"]);
  } finally {
    await before.$disconnect();
    await full.close();
  }
});
