/**
 * Two app processes started as ecosystem.config.js describes them, sharing
 * PostgreSQL, Redis (@socket.io/redis-adapter), NEXTAUTH_SECRET and APP_URL: a
 * socket on process 1 receives the events of requests served by process 2, and the
 * server-decided rooms (ticket room, its staff half, user and staff rooms) hold
 * across processes, internal notes included.
 *
 * Absence of an event is asserted by first awaiting a later event that travels the
 * same way (Redis keeps one publisher's messages in order), never by sleeping.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import type { TicketDTO } from "../../src/shared/dto";
import { api, type ClientSocket, connectSocket, nextEvent, signIn, type TestServer } from "../helpers/server";
import {
  type Backing,
  createTicket,
  type Deployment,
  joinTicket,
  postComment,
  readiness,
  record,
  startApps,
  startBacking,
} from "./support";

type Who = "admin" | "agent" | "alice" | "bob";
let backing: Backing | undefined;
let deployment: Deployment | undefined;
let p1: TestServer;
let p2: TestServer;
const cookies = {} as Record<Who, string>;
const open: ClientSocket[] = [];

/** A socket of `who` on `server`, presenting the deployment's public origin like a browser. */
async function connect(who: Who, server: TestServer, transports: ("websocket" | "polling")[] = ["websocket"]) {
  const socket = await connectSocket(server.url, cookies[who], { origin: deployment!.env.APP_URL, transports });
  open.push(socket);
  return socket;
}

before(async () => {
  backing = await startBacking();
  deployment = await startApps({ backing, appUrl: (ports) => `http://127.0.0.1:${ports[0]}` });
  [p1, p2] = deployment.apps as [TestServer, TestServer];
  // One sign-in per user, on either process: the shared NEXTAUTH_SECRET makes it valid on both.
  for (const [i, who] of (["admin", "agent", "alice", "bob"] as const).entries()) {
    cookies[who] = await signIn(i % 2 ? p2.url : p1.url, `${who}@example.com`);
  }
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

after(async () => {
  for (const s of open.splice(0)) s.close();
  const codes = await Promise.all(deployment?.apps.map((a) => a.stop()) ?? []);
  await deployment?.stop();
  await backing?.stop();
  assert.deepEqual(codes, codes.map(() => 0), "graceful shutdown exits 0");
});

test("both processes are ready, on Redis, as ecosystem.config.js ports them", async () => {
  assert.deepEqual(deployment!.ports, [deployment!.ports[0], deployment!.ports[0]! + 1]);
  for (const app of [p1, p2]) {
    const { status, body } = await readiness(app.url);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.redis, "ok");
    assert.equal(body.database, "ok");
    assert.equal(body.pid, app.proc.pid);
  }
});

describe("events cross processes", () => {
  let ticket: TicketDTO;
  before(async () => {
    ticket = await createTicket(p2.url, cookies.alice, "Printer on fire (cross-process)");
  });

  test("comment:added: a socket on process 1 gets a comment posted through process 2", async () => {
    const alice1 = await connect("alice", p1);
    const agent2 = await connect("agent", p2, ["polling"]);
    await joinTicket(alice1, ticket.id);
    await joinTicket(agent2, ticket.id);
    const atAlice = nextEvent(alice1, "comment:added", (e) => e.ticketId === ticket.id);
    const atAgent = nextEvent(agent2, "comment:added", (e) => e.ticketId === ticket.id);
    const c = await postComment(p2.url, cookies.agent, ticket.id, "Have you tried turning it off?");
    assert.deepEqual((await atAlice).data.comment, c);
    assert.deepEqual((await atAgent).data.comment, c);
    // And the other way round.
    const back = nextEvent(agent2, "comment:added", (e) => e.data.comment.body === "It is off. Still burning.");
    await postComment(p1.url, cookies.alice, ticket.id, "It is off. Still burning.");
    await back;
  });

  test("ticket:updated reaches the requester's and staff sockets on the other process", async () => {
    const alice1 = await connect("alice", p1);
    const admin1 = await connect("admin", p1, ["polling"]);
    const atAlice = nextEvent(alice1, "ticket:updated", (e) => e.ticketId === ticket.id);
    const atAdmin = nextEvent(admin1, "ticket:updated", (e) => e.ticketId === ticket.id);
    const res = await api<TicketDTO>(p2.url, cookies.agent, "PATCH", `/api/tickets/${ticket.id}`, { status: "IN_PROGRESS" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const e = await atAlice;
    assert.equal(e.data.ticket.status, "IN_PROGRESS");
    assert.deepEqual(e.data.changes.status, { from: "OPEN", to: "IN_PROGRESS" });
    // The same event; only staff see the ticket's tags (none yet).
    assert.equal("tags" in e.data.ticket, false);
    assert.deepEqual(await atAdmin, { ...e, data: { ...e.data, ticket: { ...e.data.ticket, tags: [] } } });
  });

  test("ticket:created reaches list viewers (staff) on the other process, not other requesters", async () => {
    const agent1 = await connect("agent", p1);
    const bob1 = await connect("bob", p1);
    const bobSees = record(bob1, "ticket:created");
    const atAgent = nextEvent(agent1, "ticket:created", (e) => e.data.ticket.title === "Alice's new ticket");
    const created = await createTicket(p2.url, cookies.alice, "Alice's new ticket");
    assert.equal((await atAgent).data.ticket.id, created.id);
    // Bob's own ticket, created the same way, arrives after Alice's would have.
    const marker = nextEvent(bob1, "ticket:created", (e) => e.data.ticket.title === "Bob's own ticket");
    await createTicket(p2.url, cookies.bob, "Bob's own ticket");
    await marker;
    assert.deepEqual(bobSees.map((e) => e.data.ticket.title), ["Bob's own ticket"]);
  });
});

describe("rooms hold across processes", () => {
  let ticket: TicketDTO;
  before(async () => {
    ticket = await createTicket(p1.url, cookies.alice, "Rooms across processes");
  });

  test("an internal note posted via process 2 reaches staff on process 1, never the requester there", async () => {
    const alice1 = await connect("alice", p1);
    const alicePolling1 = await connect("alice", p1, ["polling"]);
    const agent1 = await connect("agent", p1);
    const admin2 = await connect("admin", p2);
    for (const s of [alice1, alicePolling1, agent1, admin2]) await joinTicket(s, ticket.id);
    const aliceSees = record(alice1, "comment:added");
    const alicePollingSees = record(alicePolling1, "comment:added");

    const atAgent = nextEvent(agent1, "comment:added", (e) => e.data.comment.internal);
    const atAdmin = nextEvent(admin2, "comment:added", (e) => e.data.comment.internal);
    const note = await postComment(p2.url, cookies.agent, ticket.id, "Internal: third fire this month", true);
    assert.equal((await atAgent).data.comment.id, note.id);
    assert.equal((await atAdmin).data.comment.id, note.id);

    // A later public comment from the same process reaches Alice; the note would have come first.
    const publicAt = [alice1, alicePolling1].map((s) => nextEvent(s, "comment:added", (e) => e.data.comment.body === "We are on it"));
    const pub = await postComment(p2.url, cookies.agent, ticket.id, "We are on it");
    await Promise.all(publicAt);
    for (const seen of [aliceSees, alicePollingSees]) assert.deepEqual(seen.map((e) => e.data.comment.id), [pub.id]);
    // Alice's numbering has no gap where the note is (created 1, this comment 2).
    for (const seen of [aliceSees, alicePollingSees]) assert.deepEqual(seen.map((e) => e.seq), [2]);
  });

  test("a socket that left, or was refused, gets nothing from the other process", async () => {
    const alice1 = await connect("alice", p1);
    const bob1 = await connect("bob", p1);
    const agent1 = await connect("agent", p1);
    await joinTicket(alice1, ticket.id);
    await joinTicket(agent1, ticket.id);
    const refused = await bob1.timeout(15_000).emitWithAck("ticket:join", { ticketId: ticket.id });
    assert.equal(!refused.ok && refused.error.code, "NOT_FOUND");
    const left = await alice1.timeout(15_000).emitWithAck("ticket:leave", { ticketId: ticket.id });
    assert.deepEqual(left, { ok: true });
    const aliceSees = record(alice1, "comment:added");
    const bobSees = record(bob1, "comment:added");

    const atAgent = nextEvent(agent1, "comment:added", (e) => e.data.comment.body === "Anyone there?");
    await postComment(p2.url, cookies.agent, ticket.id, "Anyone there?");
    await atAgent;
    // Then an event both do get, through their user rooms, published by the same process.
    const markers = [alice1, bob1].map((s) => nextEvent(s, "ticket:created", (e) => e.data.ticket.title.startsWith("Marker")));
    await createTicket(p2.url, cookies.alice, "Marker alice");
    await createTicket(p2.url, cookies.bob, "Marker bob");
    await Promise.all(markers);
    assert.deepEqual(aliceSees, []);
    assert.deepEqual(bobSees, []);
  });
});

describe("canned replies announce across processes", () => {
  test("a shared reply saved via process 2 reaches staff sockets on process 1, never a requester; a personal one only its owner", async () => {
    const ticket = await createTicket(p1.url, cookies.alice, "Canned across processes");
    const agent1 = await connect("agent", p1);
    const admin1 = await connect("admin", p1);
    const alice1 = await connect("alice", p1);
    const adminHears = record(admin1, "canned:changed");
    const aliceHears = record(alice1, "canned:changed");

    // Personal first: the agent's other process's socket hears it; the admin's must not.
    const personalAt = nextEvent(agent1, "canned:changed", (e) => !e.shared && e.change === "created");
    const personal = await api<{ id: string }>(p2.url, cookies.agent, "POST", "/api/canned-replies", { title: "Mine across", body: "Mine", shared: false });
    assert.equal(personal.status, 201);
    assert.deepEqual(await personalAt, { id: personal.body.id, change: "created", shared: false });

    const sharedAt = [agent1, admin1].map((s) => nextEvent(s, "canned:changed", (e) => e.shared && e.change === "created"));
    const shared = await api<{ id: string }>(p2.url, cookies.admin, "POST", "/api/canned-replies", { title: "Shared across", body: "Ours", shared: true });
    assert.equal(shared.status, 201);
    for (const event of await Promise.all(sharedAt)) assert.equal(event.id, shared.body.id);

    // A later message to Alice's room from the same process (her draft, through Redis): the canned ones would have come first.
    const marker = nextEvent(alice1, "draft:saved", (d) => d.ticketId === ticket.id);
    assert.equal((await api(p2.url, cookies.alice, "PUT", `/api/tickets/${ticket.id}/draft`, { body: "marker" })).status, 200);
    await marker;
    assert.deepEqual(aliceHears, [], "a requester hears of no canned reply");
    assert.deepEqual(adminHears.map((e) => e.id), [shared.body.id], "the admin heard the shared reply, not the agent's personal one");
  });
});
