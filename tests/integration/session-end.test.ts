/**
 * Sessions end: a user deactivated while signed in loses API access at once
 * and their open sockets within SESSION_RECHECK_SECONDS. Runs on PostgreSQL
 * because the test changes the user behind the server's back, which the
 * single-process embedded database does not allow.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { api, connectSocket, postgresEnv, signIn, startServer, type TestServer } from "../helpers/server";

let server: TestServer;
let databaseUrl: string;

before(async () => {
  const dbEnv = await postgresEnv();
  databaseUrl = dbEnv.DATABASE_URL;
  server = await startServer({ env: { ...dbEnv, SESSION_RECHECK_SECONDS: "1" } });
});

after(async () => {
  assert.equal(await server?.stop(), 0);
});

async function setActive(email: string, active: boolean) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const res = await client.query('UPDATE "User" SET active = $1 WHERE email = $2', [active, email]);
    assert.equal(res.rowCount, 1);
  } finally {
    await client.end();
  }
}

test("deactivating a signed-in user ends their API access and disconnects their sockets", { timeout: 60_000 }, async () => {
  const bob = await signIn(server.url, "bob@example.com");
  const agent = await signIn(server.url, "agent@example.com");
  const bobSocket = await connectSocket(server.url, bob);
  const agentSocket = await connectSocket(server.url, agent);
  try {
    assert.equal((await api(server.url, bob, "GET", "/api/tickets")).status, 200);
    const disconnected = new Promise<string>((resolve) => bobSocket.once("disconnect", (reason) => resolve(reason)));

    await setActive("bob@example.com", false);

    assert.equal((await api(server.url, bob, "GET", "/api/tickets")).status, 401, "API refuses at once");
    assert.equal(await disconnected, "io server disconnect", "the server closed Bob's socket");
    await assert.rejects(connectSocket(server.url, bob), /unauthorized/, "and refuses to reconnect him");
    assert.equal(agentSocket.connected, true, "other users keep their sockets");

    await setActive("bob@example.com", true);
    assert.equal((await api(server.url, bob, "GET", "/api/tickets")).status, 200, "reactivation restores access");
  } finally {
    bobSocket.close();
    agentSocket.close();
  }
});
