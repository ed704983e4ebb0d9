/**
 * The Socket.IO contract (src/shared/realtime.ts) against the real server:
 * handshake auth and Origin check, server-decided rooms, who receives which
 * event, per-ticket seqs, replay of missed events, and the client-event rate
 * limit.
 *
 * The server gets a known port and APP_URL so its own origin can be tested.
 * Absence of an event is asserted by first awaiting a later event on the same
 * socket (Socket.IO keeps per-connection order), never by sleeping.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import type { AttachmentDTO, CommentDTO, TicketDTO } from "../../src/shared/dto";
import type { AnyTicketEvent } from "../../src/shared/realtime";
import {
  api,
  type ClientSocket,
  collect,
  connectSocket,
  nextEvent,
  signIn,
  startServer,
  type TestServer,
} from "../helpers/server";
import { createTicket, freePort, join, nextEvents, whoAmI, type Me } from "./support";

let server: TestServer;
let url: string;
let appOrigin: string;
type Who = "admin" | "agent" | "alice" | "bob";
const cookies = {} as Record<Who, string>;
const users = {} as Record<Who, Me>;

/** Sockets opened by a test; closed after it so none leaks into the next. */
const open: ClientSocket[] = [];
async function connect(who: Who | undefined, opts: Parameters<typeof connectSocket>[2] = {}) {
  const socket = await connectSocket(url, who ? cookies[who] : undefined, opts);
  open.push(socket);
  return socket;
}

before(async () => {
  const port = await freePort();
  appOrigin = `http://127.0.0.1:${port}`;
  server = await startServer({ port, env: { APP_URL: appOrigin } });
  url = server.url;
  assert.equal(server.port, port);
  for (const who of ["admin", "agent", "alice", "bob"] as const) {
    cookies[who] = await signIn(url, `${who}@example.com`);
    users[who] = await whoAmI(url, cookies[who]);
  }
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

after(async () => {
  assert.equal(await server?.stop(), 0, "graceful shutdown exits 0");
});

async function comment(who: Who, ticketId: string, body: string, internal = false) {
  const res = await api<CommentDTO>(url, cookies[who], "POST", `/api/tickets/${ticketId}/comments`, { body, internal });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function patch(who: Who, ticketId: string, body: Record<string, unknown>) {
  const res = await api<TicketDTO>(url, cookies[who], "PATCH", `/api/tickets/${ticketId}`, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function getTicket(ticketId: string) {
  return (await api<TicketDTO>(url, cookies.agent, "GET", `/api/tickets/${ticketId}`)).body;
}

async function upload(who: Who, ticketId: string, name: string, text: string) {
  const form = new FormData();
  form.append("file", new Blob([text], { type: "text/plain" }), name);
  const res = await fetch(`${url}/api/tickets/${ticketId}/attachments`, { method: "POST", headers: { cookie: cookies[who] }, body: form });
  assert.equal(res.status, 201);
  return (await res.json()) as AttachmentDTO;
}

describe("handshake", () => {
  test("no cookie is refused with connect_error 'unauthorized'", async () => {
    await assert.rejects(connect(undefined), (e: Error) => e.message === "unauthorized");
    await assert.rejects(connect(undefined, { transports: ["polling"] }), (e: Error) => e.message === "unauthorized");
  });

  test("a garbage or foreign session cookie is refused", async () => {
    for (const cookie of ["next-auth.session-token=garbage", "next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..x.y.z", "other=1"]) {
      await assert.rejects(
        connectSocket(url, cookie),
        (e: Error) => e.message === "unauthorized",
        cookie,
      );
    }
  });

  test("a foreign Origin is refused even with a valid session", async () => {
    await assert.rejects(connect("alice", { origin: "http://evil.example" }));
    await assert.rejects(connect("alice", { origin: "http://evil.example", transports: ["polling"] }));
    await assert.rejects(connect("alice", { origin: `${appOrigin}.evil.example` }));
  });

  test("the server's own APP_URL origin is accepted (websocket and polling)", async () => {
    const ws = await connect("alice", { origin: appOrigin });
    assert.ok(ws.connected);
    const polling = await connect("alice", { origin: appOrigin, transports: ["polling"] });
    assert.ok(polling.connected);
    // And the socket is really authenticated as alice: she can join her own ticket.
    const mine = await createTicket(url, cookies.alice, { title: "Origin check" });
    const ack = await join(polling, { ticketId: mine.id });
    assert.equal(ack.ok, true);
  });
});

describe("ticket rooms", () => {
  let ticket: TicketDTO;
  before(async () => {
    ticket = await createTicket(url, cookies.alice, { title: "Room test" });
  });

  test("joining: own ticket ok with seq; another's NOT_FOUND; bad payloads VALIDATION", async () => {
    const alice = await connect("alice");
    const ack = await join(alice, { ticketId: ticket.id });
    assert.deepEqual(ack, { ok: true, seq: 1, missed: [] });

    const staff = await connect("agent");
    assert.equal((await join(staff, { ticketId: ticket.id })).ok, true, "staff may join any ticket");
    assert.deepEqual(await join(alice, { ticketId: ticket.id, sinceSeq: 2 ** 40 }), { ok: true, seq: 1, missed: [] }, "a sinceSeq ahead of the log");
    assert.deepEqual(await join(alice, { ticketId: ticket.id, sinceSeq: 0 }), {
      ok: true,
      seq: 1,
      missed: (await api<{ items: AnyTicketEvent[] }>(url, cookies.alice, "GET", `/api/tickets/${ticket.id}/events?after=0`)).body.items,
    });

    const bob = await connect("bob");
    const denied = await join(bob, { ticketId: ticket.id });
    assert.equal(denied.ok, false);
    assert.equal(!denied.ok && denied.error.code, "NOT_FOUND");
    const unknown = await join(staff, { ticketId: "no-such-ticket" });
    assert.equal(!unknown.ok && unknown.error.code, "NOT_FOUND");

    for (const payload of [{}, { ticketId: 5 }, { ticketId: "" }, { ticketId: ticket.id, sinceSeq: -1 }, { ticketId: ticket.id, sinceSeq: "1" }]) {
      const bad = await join(alice, payload);
      assert.equal(bad.ok, false, JSON.stringify(payload));
      assert.equal(!bad.ok && bad.error.code, "VALIDATION", JSON.stringify(payload));
    }
    const notAnObject = await alice.timeout(10_000).emitWithAck("ticket:join", "nope" as never);
    assert.equal(!notAnObject.ok && notAnObject.error.code, "VALIDATION");

    // Bob's refused join must not have put him in the room.
    const bobSees = collect(bob, "comment:added");
    const seenByAlice = nextEvent(alice, "comment:added", (e) => e.data.comment.body === "after bob's refused join");
    const c = await comment("alice", ticket.id, "after bob's refused join");
    assert.equal((await seenByAlice).data.comment.id, c.id);
    // Bob is in no ticket room; the next event he must get is one on his own ticket list.
    const marker = nextEvent(bob, "ticket:created", (e) => e.data.ticket.title === "Bob's marker");
    await createTicket(url, cookies.bob, { title: "Bob's marker" });
    await marker;
    assert.deepEqual(bobSees, []);
  });

  test("a public comment reaches everyone in the room with the event envelope", async () => {
    const alice = await connect("alice");
    const agent = await connect("agent");
    await join(alice, { ticketId: ticket.id });
    await join(agent, { ticketId: ticket.id });
    const atAgent = nextEvent(agent, "comment:added", (e) => e.ticketId === ticket.id);
    const atAlice = nextEvent(alice, "comment:added", (e) => e.ticketId === ticket.id);
    const c = await comment("alice", ticket.id, "Hello from alice");
    const e = await atAgent;
    assert.equal(e.type, "comment:added");
    assert.equal(e.ticketId, ticket.id);
    assert.ok(Number.isInteger(e.seq) && e.seq > 1);
    assert.ok(!Number.isNaN(Date.parse(e.at)));
    assert.deepEqual(e.actor, { id: users.alice.id, name: users.alice.name });
    assert.deepEqual(e.data.comment, c);
    assert.deepEqual(await atAlice, e);
    assert.equal((await getTicket(ticket.id)).lastSeq, e.seq);
  });

  test("an internal note reaches staff in the room but never the requester", async () => {
    const alice = await connect("alice");
    const agent = await connect("agent");
    const admin = await connect("admin");
    for (const s of [alice, agent, admin]) assert.equal((await join(s, { ticketId: ticket.id })).ok, true);
    const aliceSees = collect(alice, "comment:added");

    const atAgent = nextEvent(agent, "comment:added", (e) => e.data.comment.internal);
    const atAdmin = nextEvent(admin, "comment:added", (e) => e.data.comment.internal);
    const note = await comment("agent", ticket.id, "Internal: she is on the VIP list", true);
    assert.equal((await atAgent).data.comment.id, note.id);
    assert.equal((await atAdmin).data.comment.id, note.id);

    // A later public comment must arrive; by then the note would have too.
    const pubAtAlice = nextEvent(alice, "comment:added", (e) => e.data.comment.body === "We are on it");
    const pub = await comment("agent", ticket.id, "We are on it");
    await pubAtAlice;
    assert.deepEqual(
      aliceSees.map((e) => e.data.comment.id),
      [pub.id],
      "alice got the public comment and not the internal note",
    );
    assert.ok(!aliceSees.some((e) => e.data.comment.internal));
  });

  test("a status change reaches the requester as ticket:updated with the changes", async () => {
    const alice = await connect("alice");
    await join(alice, { ticketId: ticket.id });
    // In alice's own numbering (the room's earlier internal note has none).
    const before = (await api<TicketDTO>(url, cookies.alice, "GET", `/api/tickets/${ticket.id}`)).body;
    const updated = nextEvent(alice, "ticket:updated", (e) => e.ticketId === ticket.id);
    const result = await patch("agent", ticket.id, { status: "IN_PROGRESS" });
    const e = await updated;
    assert.equal(e.type, "ticket:updated");
    assert.equal(e.data.ticket.status, "IN_PROGRESS");
    assert.deepEqual(e.data.changes, { status: { from: before.status, to: "IN_PROGRESS" } });
    assert.deepEqual(e.actor, { id: users.agent.id, name: users.agent.name });
    assert.equal(e.seq, before.lastSeq + 1);
    // The agent's answer is in staff numbering, with the tags staff see; otherwise the same snapshot.
    assert.equal("tags" in e.data.ticket, false);
    assert.deepEqual({ ...e.data.ticket, lastSeq: result.lastSeq, tags: result.tags }, result);
    assert.ok(result.lastSeq > e.seq, "staff numbering also counts the room's internal note");
    assert.equal(e.data.ticket.lastSeq, e.seq, "the snapshot carries its own seq");
  });

  test("ticket:leave stops comment events", async () => {
    const alice = await connect("alice");
    assert.equal((await join(alice, { ticketId: ticket.id })).ok, true);
    const firstAtAlice = nextEvent(alice, "comment:added", (e) => e.data.comment.body === "while joined");
    const first = await comment("agent", ticket.id, "while joined");
    assert.equal((await firstAtAlice).data.comment.id, first.id);

    const left = await alice.timeout(10_000).emitWithAck("ticket:leave", { ticketId: ticket.id });
    assert.deepEqual(left, { ok: true });
    const seen = collect(alice, "comment:added");
    const second = await comment("agent", ticket.id, "after leaving");
    // ticket:updated still reaches alice through her user room, after the comment.
    const updated = nextEvent(alice, "ticket:updated", (e) => e.ticketId === ticket.id && e.data.changes.priority?.to === "LOW");
    await patch("agent", ticket.id, { priority: "LOW" });
    await updated;
    assert.ok(!seen.some((e) => e.data.comment.id === second.id), "no comment after leaving");
    assert.deepEqual(seen, []);

    const badLeave = await alice.timeout(10_000).emitWithAck("ticket:leave", {} as never);
    assert.equal(!badLeave.ok && badLeave.error.code, "VALIDATION");
  });
});

describe("ticket list viewers", () => {
  test("ticket:created and ticket:updated reach staff and the requester, not other requesters", async () => {
    const alice = await connect("alice");
    const agent = await connect("agent");
    const bob = await connect("bob");
    const bobCreated = collect(bob, "ticket:created");
    const bobUpdated = collect(bob, "ticket:updated");

    const atAgent = nextEvent(agent, "ticket:created", (e) => e.data.ticket.title === "Listed for all staff");
    const atAlice = nextEvent(alice, "ticket:created", (e) => e.data.ticket.title === "Listed for all staff");
    const t = await createTicket(url, cookies.alice, { title: "Listed for all staff" });
    const created = await atAgent;
    assert.equal(created.ticketId, t.id);
    assert.equal(created.seq, 1);
    // Alice's 201 and her copy of the event have no tags; the agent's has the (empty) tags staff see.
    assert.deepEqual(created.data.ticket, { ...t, tags: [] });
    assert.deepEqual(await atAlice, { ...created, data: { ticket: t } });

    const updAgent = nextEvent(agent, "ticket:updated", (e) => e.ticketId === t.id);
    const updAlice = nextEvent(alice, "ticket:updated", (e) => e.ticketId === t.id);
    await patch("agent", t.id, { priority: "URGENT" });
    assert.equal((await updAgent).data.ticket.priority, "URGENT");
    assert.equal((await updAlice).data.ticket.priority, "URGENT");

    // Bob's own ticket's events must reach him; alice's, sent earlier, must not have.
    const own = nextEvent(bob, "ticket:created", (e) => e.data.ticket.title === "Bob's own");
    const b = await createTicket(url, cookies.bob, { title: "Bob's own" });
    await own;
    const ownUpdate = nextEvent(bob, "ticket:updated", (e) => e.ticketId === b.id);
    await patch("agent", b.id, { status: "WAITING" });
    await ownUpdate;
    assert.deepEqual(bobCreated.map((e) => e.ticketId), [b.id]);
    assert.deepEqual(bobUpdated.map((e) => e.ticketId), [b.id]);
  });
});

describe("seq", () => {
  test("events of one ticket carry consecutive seqs equal to the ticket's lastSeq", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Seq ticket" });
    const agent = await connect("agent");
    const ack = await join(agent, { ticketId: t.id });
    assert.ok(ack.ok);
    const start = ack.seq;
    assert.equal(start, t.lastSeq);

    const seqs: number[] = [];
    const c = nextEvent(agent, "comment:added", (e) => e.ticketId === t.id);
    await comment("alice", t.id, "one");
    seqs.push((await c).seq);
    assert.equal((await getTicket(t.id)).lastSeq, seqs.at(-1));

    const u = nextEvent(agent, "ticket:updated", (e) => e.ticketId === t.id);
    await patch("agent", t.id, { status: "WAITING" });
    seqs.push((await u).seq);
    assert.equal((await getTicket(t.id)).lastSeq, seqs.at(-1));

    const n = nextEvent(agent, "comment:added", (e) => e.ticketId === t.id);
    await comment("agent", t.id, "two", true);
    seqs.push((await n).seq);
    assert.equal((await getTicket(t.id)).lastSeq, seqs.at(-1));

    const a = nextEvent(agent, "attachment:added", (e) => e.ticketId === t.id);
    await upload("alice", t.id, "seq.txt", "bytes");
    seqs.push((await a).seq);
    assert.equal((await getTicket(t.id)).lastSeq, seqs.at(-1));

    assert.deepEqual(seqs, [start + 1, start + 2, start + 3, start + 4]);
  });

  test("10 concurrent comments get 10 distinct consecutive seqs", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Concurrent ticket" });
    const agent = await connect("agent");
    const ack = await join(agent, { ticketId: t.id });
    assert.ok(ack.ok);
    const arriving = nextEvents(agent, "comment:added", 10, (e) => e.ticketId === t.id);
    const posted = await Promise.all(
      Array.from({ length: 10 }, (_, i) => comment(i % 2 ? "alice" : "agent", t.id, `parallel ${i}`)),
    );
    const events = await arriving;
    const seqs = events.map((e) => e.seq).sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: 10 }, (_, i) => ack.seq + 1 + i), "distinct and consecutive");
    assert.deepEqual(new Set(events.map((e) => e.data.comment.id)), new Set(posted.map((c) => c.id)));
    assert.equal((await getTicket(t.id)).lastSeq, ack.seq + 10);
  });
});

describe("missed events", () => {
  test("a rejoin with sinceSeq returns exactly what was missed, internal notes only for staff", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Offline for a while" });
    const alice1 = await connect("alice");
    const agent1 = await connect("agent");
    const a1 = await join(alice1, { ticketId: t.id });
    const g1 = await join(agent1, { ticketId: t.id });
    assert.ok(a1.ok && g1.ok);
    assert.equal(a1.seq, g1.seq);
    const since = a1.seq;
    alice1.disconnect();
    agent1.disconnect();

    const c1 = await comment("agent", t.id, "missed one");
    const note = await comment("agent", t.id, "missed note", true);
    const c2 = await comment("alice", t.id, "missed two");

    const alice2 = await connect("alice");
    const a2 = await join(alice2, { ticketId: t.id, sinceSeq: since });
    assert.ok(a2.ok);
    // alice's numbering counts only what she may see: no gap where the note was.
    assert.equal(a2.seq, since + 2);
    assert.deepEqual(
      a2.missed.map((e) => [e.type, e.seq, (e as AnyTicketEvent & { type: "comment:added" }).data.comment.id]),
      [
        ["comment:added", since + 1, c1.id],
        ["comment:added", since + 2, c2.id],
      ],
    );
    assert.ok(!JSON.stringify(a2.missed).includes("missed note"));

    const agent2 = await connect("agent");
    const g2 = await join(agent2, { ticketId: t.id, sinceSeq: since });
    assert.ok(g2.ok);
    assert.deepEqual(
      g2.missed.map((e) => (e as AnyTicketEvent & { type: "comment:added" }).data.comment.id),
      [c1.id, note.id, c2.id],
    );
    assert.deepEqual(g2.missed.map((e) => e.seq), [since + 1, since + 2, since + 3]);

    const upToDate = await join(alice2, { ticketId: t.id, sinceSeq: a2.seq });
    assert.deepEqual(upToDate, { ok: true, seq: a2.seq, missed: [] });

    // And live events continue after the replay.
    const live = nextEvent(alice2, "comment:added", (e) => e.ticketId === t.id);
    const c3 = await comment("agent", t.id, "live again");
    const e = await live;
    assert.equal(e.data.comment.id, c3.id);
    assert.equal(e.seq, since + 3);
  });

  test("more than a page behind (500 in the client's numbering) answers RESYNC; the HTTP pages then have every event; a page behind gets the page", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Long thread" });
    // Staff numbering: 1 (created), 2-3 the notes, 4-504 the comments; alice's: 1, then 2-502.
    await comment("agent", t.id, "note 1", true);
    await comment("agent", t.id, "note 2", true);
    for (let i = 0; i < 501; i += 10) {
      await Promise.all(Array.from({ length: Math.min(10, 501 - i) }, (_, k) => comment(k % 2 ? "agent" : "alice", t.id, `reply ${i + k}`)));
    }
    const alice = await connect("alice");
    const agent = await connect("agent");
    const resync = { ok: false, error: { code: "RESYNC", message: "Too far behind; fetch the missed events, then join again" } };
    assert.deepEqual(await join(alice, { ticketId: t.id, sinceSeq: 1 }), resync);
    assert.deepEqual(await join(agent, { ticketId: t.id, sinceSeq: 3 }), resync);

    // What the browser does then: pages over HTTP, in its numbering, until not truncated.
    const page = async (who: Who, after: number) =>
      (await api<{ seq: number; items: AnyTicketEvent[]; truncated: boolean }>(url, cookies[who], "GET", `/api/tickets/${t.id}/events?after=${after}`)).body;
    const p1 = await page("alice", 1);
    assert.equal(p1.truncated, true);
    assert.deepEqual(p1.items.map((e) => e.seq), Array.from({ length: 500 }, (_, i) => i + 2));
    const p2 = await page("alice", p1.items.at(-1)!.seq);
    assert.deepEqual({ seq: p2.seq, seqs: p2.items.map((e) => e.seq), truncated: p2.truncated }, { seq: 502, seqs: [502], truncated: false });
    assert.ok(![...p1.items, ...p2.items].some((e) => JSON.stringify(e).includes("note ")), "no internal note in a requester's pages");

    // Exactly a page behind: the page comes in the ack, and the socket is in the room.
    const a = await join(alice, { ticketId: t.id, sinceSeq: 2 });
    assert.ok(a.ok);
    assert.equal(a.seq, 502);
    assert.deepEqual(a.missed.map((e) => e.seq), Array.from({ length: 500 }, (_, i) => i + 3));
    const g = await join(agent, { ticketId: t.id, sinceSeq: 4 });
    assert.ok(g.ok);
    assert.deepEqual(g.missed.map((e) => e.seq), Array.from({ length: 500 }, (_, i) => i + 5));
    const live = nextEvent(alice, "comment:added", (e) => e.ticketId === t.id);
    await comment("agent", t.id, "live after the catch-up");
    assert.equal((await live).seq, 503);
  });
});

describe("attachments", () => {
  test("attachment:added reaches the ticket room on upload", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Files live" });
    const agent = await connect("agent");
    const alice = await connect("alice");
    await join(agent, { ticketId: t.id });
    await join(alice, { ticketId: t.id });
    const atAgent = nextEvent(agent, "attachment:added", (e) => e.ticketId === t.id);
    const atAlice = nextEvent(alice, "attachment:added", (e) => e.ticketId === t.id);
    const dto = await upload("alice", t.id, "screenshot.txt", "pixels");
    const e = await atAgent;
    assert.deepEqual(e.data.attachment, dto);
    assert.equal(e.data.attachment.originalName, "screenshot.txt");
    assert.deepEqual(e.actor, { id: users.alice.id, name: users.alice.name });
    assert.deepEqual(await atAlice, e);
  });
});

describe("rate limit", () => {
  test("a flood of client events is refused with RATE_LIMITED beyond the limit", async () => {
    const socket = await connect("alice");
    const acks = await Promise.all(
      Array.from({ length: 150 }, () => socket.timeout(10_000).emitWithAck("ticket:leave", { ticketId: "flood" })),
    );
    const limited = acks.filter((a) => !a.ok && a.error.code === "RATE_LIMITED");
    assert.ok(acks.slice(0, 100).every((a) => a.ok), "the first 100 are served");
    assert.ok(limited.length >= 1, "the excess is refused");
    assert.ok(acks.every((a) => a.ok || a.error.code === "RATE_LIMITED"));
    // Within one 10 s window the excess is exactly 50; a window rollover can only reduce it.
    assert.ok(limited.length <= 50);
    // Another socket has its own budget.
    const other = await connect("alice");
    assert.deepEqual(await other.timeout(10_000).emitWithAck("ticket:leave", { ticketId: "flood" }), { ok: true });
  });
});

describe("packet shape", () => {
  test("unknown events (also names special to an EventEmitter or an object) and extra payloads get an error ack; the server carries on", async () => {
    const socket = await connect("alice");
    // Untyped: these are not in the contract.
    const raw = socket as unknown as {
      emit(event: string, ...args: unknown[]): void;
      timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<{ ok: boolean; error?: { code: string } }> };
    };
    for (const name of ["admin:drop-tables", "error", "constructor", "__proto__", "toString"]) {
      const ack = await raw.timeout(10_000).emitWithAck(name, {});
      assert.equal(ack.error?.code, "NOT_FOUND", name);
    }
    assert.equal((await raw.timeout(10_000).emitWithAck("ticket:leave", "", { ticketId: "x" })).error?.code, "VALIDATION");
    assert.equal((await raw.timeout(10_000).emitWithAck("ticket:leave")).error?.code, "VALIDATION");
    // Without an ack there is nobody to answer; an EventEmitter with no
    // "error" listener would throw on this one, so it must reach none.
    raw.emit("error", { boom: true });
    assert.deepEqual(await socket.timeout(10_000).emitWithAck("ticket:leave", { ticketId: "x" }), { ok: true });
  });
});
