/**
 * Sessions end on every process: two app processes sharing PostgreSQL, Redis
 * (@socket.io/redis-adapter) and NEXTAUTH_SECRET. A sign-out, a "sign out other
 * sessions", a deactivation or a demotion handled by process A closes the
 * affected sockets connected to process B within seconds, long before the
 * periodic re-check (left at its 60 s default) could.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { api, type ClientSocket, connectSocket, signIn, type TestServer } from "../helpers/server";
import { whoAmI } from "../integration/support";
import { type Backing, type Deployment, startApps, startBacking } from "./support";

/** Generous bound for "closes within seconds"; the periodic re-check would take 60 s. */
const CLOSE_WITHIN_MS = 10_000;

let backing: Backing | undefined;
let deployment: Deployment | undefined;
let a: TestServer;
let b: TestServer;
const open: ClientSocket[] = [];

async function connect(server: TestServer, cookie: string) {
  const socket = await connectSocket(server.url, cookie, { origin: deployment!.env.APP_URL });
  open.push(socket);
  return socket;
}

function disconnection(socket: ClientSocket): Promise<{ reason: string; afterMs: number }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still connected after ${CLOSE_WITHIN_MS} ms`)), CLOSE_WITHIN_MS);
    socket.once("disconnect", (reason) => {
      clearTimeout(timer);
      resolve({ reason, afterMs: Date.now() - start });
    });
  });
}

async function signOut(server: TestServer, cookie: string) {
  const csrf = await fetch(`${server.url}/api/auth/csrf`, { headers: { cookie } });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${server.url}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, json: "true" }),
  });
  assert.equal(res.status, 200);
}

before(async () => {
  backing = await startBacking();
  deployment = await startApps({ backing, appUrl: (ports) => `http://127.0.0.1:${ports[0]}` });
  [a, b] = deployment.apps as [TestServer, TestServer];
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

after(async () => {
  for (const s of open.splice(0)) s.close();
  const codes = await Promise.all(deployment?.apps.map((app) => app.stop()) ?? []);
  await deployment?.stop();
  await backing?.stop();
  assert.deepEqual(codes, codes.map(() => 0), "graceful shutdown exits 0");
});

test("signing out on process A closes that session's socket on process B, not the user's other session", async (t) => {
  const ended = await signIn(a.url, "alice@example.com");
  const kept = await signIn(b.url, "alice@example.com");
  const endedOnB = await connect(b, ended);
  const keptOnB = await connect(b, kept);
  const closed = disconnection(endedOnB);

  await signOut(a, ended);

  const { reason, afterMs } = await closed;
  t.diagnostic(`closed on the other process ${afterMs} ms after the sign-out request was sent`);
  assert.equal(reason, "io server disconnect");
  await assert.rejects(connectSocket(b.url, ended, { origin: deployment!.env.APP_URL }), /unauthorized/);
  assert.equal((await api(b.url, ended, "GET", "/api/tickets")).status, 401);
  assert.equal(keptOnB.connected, true);
  assert.equal((await api(a.url, kept, "GET", "/api/tickets")).status, 200);
});

test("'sign out other sessions' on process A closes the others' sockets on both processes", async () => {
  const current = await signIn(a.url, "bob@example.com");
  const others = [await signIn(a.url, "bob@example.com"), await signIn(b.url, "bob@example.com")];
  const currentOnB = await connect(b, current);
  const otherSockets = [await connect(a, others[0]!), await connect(b, others[1]!)];
  const closed = otherSockets.map(disconnection);
  const res = await api<{ revoked: number }>(a.url, current, "POST", "/api/sessions/revoke-others");
  assert.equal(res.status, 200);
  assert.ok(res.body.revoked >= 2);
  for (const c of await Promise.all(closed)) assert.equal(c.reason, "io server disconnect");
  assert.equal(currentOnB.connected, true);
});

test("deactivation on process A closes the user's sockets on process B; a demotion reconnects them with the new role", async (t) => {
  const admin = await signIn(a.url, "admin@example.com");
  const bob = await signIn(b.url, "bob@example.com");
  const agent = await signIn(b.url, "agent@example.com");
  const [bobId, agentId] = [(await whoAmI(b.url, bob)).id, (await whoAmI(b.url, agent)).id];

  const bobOnB = await connect(b, bob);
  const closed = disconnection(bobOnB);
  assert.equal((await api(a.url, admin, "PATCH", `/api/users/${bobId}`, { active: false })).status, 200);
  const { reason, afterMs } = await closed;
  t.diagnostic(`deactivation closed the socket on the other process after ${afterMs} ms`);
  assert.equal(reason, "io server disconnect");
  await assert.rejects(connectSocket(b.url, bob, { origin: deployment!.env.APP_URL }), /unauthorized/);
  assert.equal((await api(a.url, admin, "PATCH", `/api/users/${bobId}`, { active: true })).status, 200);

  const agentOnB = await connect(b, agent);
  const demoted = disconnection(agentOnB);
  assert.equal((await api(a.url, admin, "PATCH", `/api/users/${agentId}`, { role: "REQUESTER" })).status, 200);
  try {
    assert.equal((await demoted).reason, "io server disconnect");
    // The session is still live: the reconnect succeeds, and the API sees the new role.
    await connect(b, agent);
    assert.equal((await api(b.url, agent, "GET", "/api/users/staff")).status, 403);
  } finally {
    assert.equal((await api(a.url, admin, "PATCH", `/api/users/${agentId}`, { role: "AGENT" })).status, 200);
  }
});
