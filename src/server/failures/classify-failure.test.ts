import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import { test } from "node:test";
import pg from "pg";
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
