/**
 * Several processes of one deployment starting at the same moment (pm2
 * resurrect at boot) on a fresh PostgreSQL database: one migrates, the others
 * wait for Prisma's migration lock and retry instead of failing to start.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, signIn, startServer, type TestServer } from "../helpers/server";
import { type Postgres, startPostgres } from "../helpers/services";

let pg: Postgres;
let servers: TestServer[] = [];

before(async () => {
  pg = await startPostgres();
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await pg?.stop();
});

test("three processes started together on an empty database all come up and share it", { timeout: 180_000 }, async () => {
  const env = { DATABASE_URL: await pg.createDatabase(), NEXTAUTH_SECRET: "concurrent-start-secret-0123456789", DEMO_PASSWORD: "password" };
  servers = await Promise.all([1, 2, 3].map(() => startServer({ env })));
  const applied = servers.filter((s) => /have been applied/.test(s.output()));
  assert.equal(applied.length, 1, "exactly one process applied the migration");
  for (const s of servers) {
    assert.equal((await api(s.url, undefined, "GET", "/api/health")).status, 200);
  }
  // Never auto-seeded on PostgreSQL: nobody can sign in until `npm run db:seed`.
  await assert.rejects(signIn(servers[0]!.url, "admin@example.com"), /sign-in failed/);
  const codes = await Promise.all(servers.map((s) => s.stop()));
  assert.deepEqual(codes, [0, 0, 0]);
});
