import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import { test } from "node:test";
import pg from "pg";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { infrastructureError, isDatabaseUnavailable, isDiskFull } from "./classify-failure";

test("a real ENOSPC (writing to /dev/full) is a full disk: 507 STORAGE_FULL", async () => {
  const err = await new Promise<unknown>((resolve) => {
    const out = fs.createWriteStream("/dev/full");
    out.on("error", resolve);
    out.end(Buffer.alloc(4096));
  });
  assert.equal((err as NodeJS.ErrnoException).code, "ENOSPC");
  assert.ok(isDiskFull(err));
  assert.ok(isDiskFull(new Error("wrapped", { cause: err })));
  const mapped = infrastructureError(err);
  assert.equal(mapped?.code, "STORAGE_FULL");
  assert.equal(mapped?.status, 507);
});

test("a real refused PostgreSQL connection is 'database unavailable': 503 UNAVAILABLE", async () => {
  // A port nobody listens on: bind one, note it, close it.
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const client = new pg.Client({ connectionString: `postgresql://x@127.0.0.1:${port}/x` });
  const err = await client.connect().then(() => undefined, (e: unknown) => e);
  assert.ok(err, "connecting must fail");
  assert.ok(isDatabaseUnavailable(err));
  assert.equal(infrastructureError(err)?.code, "UNAVAILABLE");
  assert.equal(infrastructureError(err)?.status, 503);
});

test("Prisma's and the driver adapter's connection failures are recognised; bugs and bad input are not", () => {
  for (const code of ["P1001", "P1017", "P2024"]) assert.ok(isDatabaseUnavailable(Object.assign(new Error("x"), { code })), code);
  // The shape @prisma/adapter-pg throws while PostgreSQL shuts down (seen in tests/security/failures.test.ts).
  const adapter = Object.assign(new Error("the database system is shutting down"), {
    name: "DriverAdapterError",
    cause: { originalCode: "57P03", kind: "postgres", code: "57P03", message: "the database system is shutting down" },
  });
  assert.ok(isDatabaseUnavailable(adapter));
  assert.ok(!isDatabaseUnavailable(Object.assign(new Error("Unique constraint failed"), { code: "P2002" })));
  assert.ok(!isDatabaseUnavailable(new TypeError("undefined is not a function")));
  assert.equal(infrastructureError(new Error("bug")), null);
});

test("real Prisma transactions that overload rolls back are 'too busy' (503, nothing saved); a transaction misused after commit is a bug", async () => {
  const db = await openMemoryDb();
  try {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Past its timeout: Prisma rolls it back and the next statement fails.
    const expired = await db.prisma
      .$transaction(
        async (tx) => {
          await tx.tag.create({ data: { name: "never-kept" } });
          await sleep(150);
          await tx.tag.count();
        },
        { timeout: 50 },
      )
      .then(() => undefined, (e: unknown) => e);
    assert.ok(expired, "the transaction must fail");
    assert.equal((expired as { code?: string }).code, "P2028");
    assert.equal(infrastructureError(expired)?.code, "UNAVAILABLE");
    assert.equal(infrastructureError(expired)?.status, 503);
    assert.match(infrastructureError(expired)!.message, /too busy.*nothing was saved/);
    assert.equal(await db.prisma.tag.count({ where: { name: "never-kept" } }), 0, "and indeed nothing was saved");

    // No connection free within maxWait: on PostgreSQL's pool only (the embedded adapter queues
    // transactions itself, so this cannot be provoked here); the error as Prisma 6.19's runtime builds it.
    const waited = Object.assign(new Error("Transaction API error: Unable to start a transaction in the given time."), { name: "PrismaClientKnownRequestError", code: "P2028" });
    assert.equal(infrastructureError(waited)?.code, "UNAVAILABLE");

    // Used after its commit: a bug, not overload.
    let leaked: Parameters<Parameters<typeof db.prisma.$transaction>[0]>[0] | undefined;
    await db.prisma.$transaction(async (tx) => {
      leaked = tx;
    });
    const misuse = await leaked!.tag.count().then(() => undefined, (e: unknown) => e);
    assert.ok(misuse);
    assert.equal(infrastructureError(misuse), null);
  } finally {
    await db.close();
  }
});

test("work PostgreSQL rolled back for colliding with concurrent work is a retry (503), not a bug", () => {
  // As the pg driver throws it from a prepared statement (seen in
  // tests/integration/conversation-files.test.ts before the lock order was fixed).
  const deadlock = Object.assign(new Error("deadlock detected"), { name: "error", code: "40P01", severity: "ERROR" });
  assert.equal(infrastructureError(deadlock)?.code, "UNAVAILABLE");
  assert.equal(infrastructureError(deadlock)?.status, 503);
  // Through Prisma's driver adapter, and as Prisma's own code.
  const adapted = Object.assign(new Error("could not serialize access"), { name: "DriverAdapterError", cause: { originalCode: "40001", kind: "postgres" } });
  assert.equal(infrastructureError(adapted)?.code, "UNAVAILABLE");
  const prisma = Object.assign(new Error("Transaction failed due to a write conflict or a deadlock. Please retry your transaction"), { name: "PrismaClientKnownRequestError", code: "P2034" });
  assert.equal(infrastructureError(prisma)?.code, "UNAVAILABLE");
  // Other constraint errors stay what they are.
  assert.equal(infrastructureError(Object.assign(new Error("duplicate key"), { code: "23505" })), null);
});
