/**
 * A Redis outage under two app processes (PostgreSQL + redis-server, as
 * ecosystem.config.js deploys them): redis-server is stopped, and both processes
 * stay up, report the degraded state on GET /api/ready (503, redis "down") while
 * /api/health stays 200, serve HTTP requests without waiting for Redis and keep
 * delivering events to every socket, on both processes (the relay reads the
 * database; events never travel through Redis). With Redis back on the same port they
 * report ready again and events cross processes again. A process started while
 * Redis is down comes up, and joins in once Redis is back.
 *
 * While Redis is down the adapter's publish fails (the publisher has no offline
 * queue); an unhandled rejection there would end the process, which the liveness
 * checks below would catch.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { TicketDTO } from "../../src/shared/dto";
import type { PresenceListAck } from "../../src/shared/realtime";
import { type ClientSocket, connectSocket, nextEvent, signIn, type TestServer } from "../helpers/server";
import {
  type Backing,
  createTicket,
  type Deployment,
  eventually,
  joinTicket,
  postComment,
  readiness,
  startApps,
  startBacking,
} from "./support";

let backing: Backing | undefined;
let deployment: Deployment | undefined;
let p1: TestServer;
let p2: TestServer;
let alice: string;
let agent: string;
let ticket: TicketDTO;
const open: ClientSocket[] = [];
/** alice on process 1 and the agent on process 2, both in `ticket`'s room. */
let alice1: ClientSocket;
let agent2: ClientSocket;

async function connect(cookie: string, server: TestServer) {
  const socket = await connectSocket(server.url, cookie, { origin: deployment!.env.APP_URL });
  open.push(socket);
  return socket;
}

function assertAlive(...servers: TestServer[]) {
  for (const s of servers) {
    assert.equal(s.proc.exitCode, null, `process on ${s.port} exited:\n${s.output()}`);
    assert.doesNotMatch(s.output(), /unhandled|ERR_UNHANDLED_REJECTION|failed to start/i, s.output());
  }
}

before(async () => {
  backing = await startBacking();
  deployment = await startApps({
    backing,
    appUrl: (ports) => `http://127.0.0.1:${ports[0]}`,
    // Entries are refreshed every TTL / 3: at 600 s, viewers a restarted Redis
    // lost come back within this test only if the reconnect puts them back.
    extraEnv: { PRESENCE_TTL_SECONDS: "600" },
  });
  [p1, p2] = deployment.apps as [TestServer, TestServer];
  alice = await signIn(p1.url, "alice@example.com");
  agent = await signIn(p2.url, "agent@example.com");
  ticket = await createTicket(p1.url, alice, "Redis outage drill");
  alice1 = await connect(alice, p1);
  agent2 = await connect(agent, p2);
  await joinTicket(alice1, ticket.id);
  await joinTicket(agent2, ticket.id);
});

after(async () => {
  for (const s of open.splice(0)) s.close();
  const codes = await Promise.all(deployment?.apps.map((a) => a.stop()) ?? []);
  await deployment?.stop();
  await backing?.stop();
  assert.deepEqual(codes, codes.map(() => 0), "graceful shutdown exits 0, Redis outage or not");
});

test("with Redis up, a comment posted via process 2 reaches process 1", async () => {
  const arrived = nextEvent(alice1, "comment:added", (e) => e.data.comment.body === "before the outage");
  await postComment(p2.url, agent, ticket.id, "before the outage");
  await arrived;
});

test("Redis down: both processes stay up, report 503 redis down, serve requests and deliver to every process's sockets", async () => {
  await backing!.redis.stop();

  for (const app of [p1, p2]) {
    await eventually(async () => {
      const { status, body } = await readiness(app.url);
      return status === 503 && body.redis === "down" && body.status === "degraded" && body.database === "ok";
    }, `process on ${app.port} to report redis down`);
    const health = await fetch(`${app.url}/api/health`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(health.status, 200, "liveness does not depend on Redis");
  }

  // Several emits, each publishing to the dead Redis; every request must answer
  // (fetch's deadline turns a request stuck on Redis into a failure).
  const local = [];
  for (let i = 1; i <= 5; i++) {
    const body = `during the outage #${i}`;
    const seen = nextEvent(agent2, "comment:added", (e) => e.data.comment.body === body);
    // Across processes too: each process's relay reads the event from the database, not from Redis.
    const crossed = nextEvent(alice1, "comment:added", (e) => e.data.comment.body === body);
    const res = await fetch(`${p2.url}/api/tickets/${ticket.id}/comments`, {
      method: "POST",
      headers: { cookie: agent, "content-type": "application/json" },
      body: JSON.stringify({ body, internal: false }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 201, await res.text());
    local.push(await seen);
    await crossed;
  }
  assert.equal(local.length, 5);

  // New sockets connect and join (both local) during the outage, and get local events.
  const lateAgent = await connect(agent, p1);
  await joinTicket(lateAgent, ticket.id);
  const atLate = nextEvent(lateAgent, "comment:added", (e) => e.data.comment.body === "alice, during the outage");
  await postComment(p1.url, alice, ticket.id, "alice, during the outage");
  await atLate;

  assertAlive(p1, p2);
  assert.ok(alice1.connected && agent2.connected, "client sockets are not dropped because Redis is");
});

test("Redis back on the same port: ready again, events cross processes again, each process tells its sockets to read what they missed and puts its viewers back", async () => {
  // A user's own messages sent during the outage by the other process never came
  // (the sockets never dropped): each process asks its pages to read them again.
  const resynced = [alice1, agent2].map((s) => nextEvent(s, "realtime:resync", () => true, 60_000));
  await backing!.redis.start();
  await Promise.all(resynced);
  for (const app of [p1, p2]) {
    await eventually(async () => {
      const { status, body } = await readiness(app.url);
      return status === 200 && body.redis === "ok" && body.status === "ok";
    }, `process on ${app.port} to report redis ok`);
  }

  // Redis restarted empty: each process puts its viewers back (alice on
  // process 1, the agent on process 2), and the agent's list sees both.
  await eventually(async () => {
    // Within the socket's presence budget (PRESENCE_EVENTS_PER_10S).
    await new Promise((r) => setTimeout(r, 400));
    const listed: PresenceListAck = await agent2.timeout(10_000).emitWithAck("presence:list", { ticketIds: [ticket.id] });
    return listed.ok && listed.viewers[ticket.id]!.map((v) => v.name).sort().join() === "Alice Requester,Sam Agent";
  }, "both viewers to be back in the restarted Redis");

  // The subscriber re-subscribes just after it reconnects: post until one comment
  // crosses, within a deadline, then the next one must cross as well.
  const deadline = Date.now() + 30_000;
  for (let i = 1; ; i++) {
    const body = `after the outage, probe ${i}`;
    const arrived = nextEvent(alice1, "comment:added", (e) => e.data.comment.body === body, 1_000);
    await postComment(p2.url, agent, ticket.id, body);
    if (await arrived.then(() => true, () => false)) break;
    assert.ok(Date.now() < deadline, "no comment crossed from process 2 to process 1 within 30 s of Redis returning");
  }
  for (const [from, to, cookie, body] of [
    [p2, alice1, agent, "after the outage, for sure"],
    [p1, agent2, alice, "alice hears you, process 2"],
  ] as const) {
    const arrived = nextEvent(to, "comment:added", (e) => e.data.comment.body === body);
    await postComment(from.url, cookie, ticket.id, body);
    await arrived;
  }
  assertAlive(p1, p2);
  for (const app of [p1, p2]) assert.match(app.output(), /redis reconnected/);
});

test("a process that starts while Redis is down serves at once and joins in when Redis returns", async () => {
  for (const s of open.splice(0)) s.close();
  await backing!.redis.stop();
  p1 = await deployment!.restart(0);
  const { status, body } = await readiness(p1.url);
  assert.equal(status, 503, JSON.stringify(body));
  assert.equal(body.redis, "down");
  alice1 = await connect(alice, p1);
  agent2 = await connect(agent, p2);
  await joinTicket(alice1, ticket.id);
  await joinTicket(agent2, ticket.id);
  const local = nextEvent(alice1, "comment:added", (e) => e.data.comment.body === "started without redis");
  await postComment(p1.url, alice, ticket.id, "started without redis");
  await local;

  await backing!.redis.start();
  await eventually(async () => (await readiness(p1.url)).status === 200, "the restarted process to report ready");
  // Its subscriptions were queued while Redis was away: events from process 2 arrive.
  const deadline = Date.now() + 30_000;
  for (let i = 1; ; i++) {
    const body = `to the late starter, probe ${i}`;
    const arrived = nextEvent(alice1, "comment:added", (e) => e.data.comment.body === body, 1_000);
    await postComment(p2.url, agent, ticket.id, body);
    if (await arrived.then(() => true, () => false)) break;
    assert.ok(Date.now() < deadline, "the process started without Redis never heard process 2");
  }
  assertAlive(p1, p2);
});
