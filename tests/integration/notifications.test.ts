/**
 * In-app notifications end to end, against the real server: the
 * notifications processor of the event stream turns mentions, replies,
 * assignments and new tickets into rows and `notification:new` messages;
 * the API lists and marks them; `notification:read` reaches the user's other
 * sockets; switches turn kinds off; and a restart (or an event handed over
 * again) never writes one twice.
 *
 * Runs on the embedded database and, with TANDEM_TEST_DB=postgres, on
 * PostgreSQL. The tests share one server and run in order.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import type { NotificationDTO, TicketDTO } from "../../src/shared/dto";
import type { NotificationSettingsDTO } from "../../src/shared/notifications";
import { openPglite } from "../../src/server/db/adapters";
import { api, type ClientSocket, collect, connectSocket, nextEvent, postgresEnv, signIn, startServer, type TestServer } from "../helpers/server";
import { createTicket, nextEvents, whoAmI } from "./support";

const embedded = process.env.TANDEM_TEST_DB !== "postgres";
let dbEnv: Record<string, string> = {};
let server: TestServer;
const cookies: Record<"admin" | "agent" | "alice" | "bob", string> = { admin: "", agent: "", alice: "", bob: "" };
const ids: Record<string, string> = {};
const sockets: ClientSocket[] = [];
let ticket: TicketDTO;

type List = { items: NotificationDTO[]; unread: number };
const list = async (who: keyof typeof cookies, limit = 100): Promise<List> => {
  const res = await api<List>(server.url, cookies[who], "GET", `/api/notifications?limit=${limit}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};
const onTicket = (l: List, t: TicketDTO) => l.items.filter((n) => n.ticket.id === t.id);
async function comment(who: keyof typeof cookies, t: TicketDTO, body: string, internal = false) {
  const res = await api(server.url, cookies[who], "POST", `/api/tickets/${t.id}/comments`, { body, internal });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}
async function socketOf(who: keyof typeof cookies) {
  const s = await connectSocket(server.url, cookies[who]);
  sockets.push(s);
  return s;
}
async function signInAll() {
  for (const who of Object.keys(cookies) as (keyof typeof cookies)[]) {
    cookies[who] = await signIn(server.url, `${who}@example.com`, server.password);
    ids[who] = (await whoAmI(server.url, cookies[who])).id;
  }
}

before(async () => {
  // The restart test needs the same database again: on PostgreSQL, name it.
  if (!embedded) dbEnv = await postgresEnv();
  server = await startServer({ env: dbEnv });
  await signInAll();
  ticket = await createTicket(server.url, cookies.alice, { title: "Printer on fire" });
});

after(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
});

test("an internal note mentioning @agent notifies the agent exactly once, and the requester of nothing", async () => {
  const agent = await socketOf("agent");
  const alice = await socketOf("alice");
  const aliceGot = collect(alice, "notification:new");
  const arrived = nextEvent(agent, "notification:new", (n) => n.ticket.id === ticket.id);
  await comment("admin", ticket, "@Agent can you check the SPF bounce? (not for the customer)", true);
  const live = await arrived;
  assert.equal(live.kind, "mention");
  assert.deepEqual(live.actor, { id: ids.admin, name: "Ada Admin" });
  assert.deepEqual(live.ticket, { id: ticket.id, number: ticket.number, title: "Printer on fire" });
  assert.equal(live.readAt, null);

  const mine = onTicket(await list("agent"), ticket);
  assert.deepEqual(mine.map((n) => n.id), [live.id], "one notification, the one announced");
  assert.deepEqual(onTicket(await list("alice"), ticket), [], "the requester has none");
  assert.deepEqual(onTicket(await list("admin"), ticket), [], "the actor has none");

  // A public reply next: once alice hears of it, the processor is past the note.
  const reply = nextEvent(alice, "notification:new", (n) => n.ticket.id === ticket.id);
  await comment("agent", ticket, "We found the problem and are fixing it.");
  assert.equal((await reply).kind, "reply");
  assert.deepEqual(aliceGot.map((n) => n.kind), ["reply"], "alice never heard of the note");
});

test("a public staff reply notifies the requester (and nobody else who is not involved)", async () => {
  const alice = await socketOf("alice");
  const arrived = nextEvent(alice, "notification:new", (n) => n.ticket.id === ticket.id);
  await comment("admin", ticket, "It should work again now.");
  const n = await arrived;
  assert.equal(n.kind, "reply");
  assert.equal(n.actor.id, ids.admin);
  assert.equal(onTicket(await list("alice"), ticket).filter((x) => x.kind === "reply").length, 2);
  assert.equal(onTicket(await list("bob"), ticket).length, 0);
});

test("assigning a ticket notifies the assignee; assigning yourself does not", async () => {
  const agent = await socketOf("agent");
  const arrived = nextEvent(agent, "notification:new", (n) => n.ticket.id === ticket.id && n.kind === "assigned");
  const res = await api(server.url, cookies.admin, "PATCH", `/api/tickets/${ticket.id}`, { assigneeId: ids.agent });
  assert.equal(res.status, 200);
  assert.equal((await arrived).actor.id, ids.admin);

  const own = await createTicket(server.url, cookies.bob, { title: "Self-assigned" });
  assert.equal((await api(server.url, cookies.agent, "PATCH", `/api/tickets/${own.id}`, { assigneeId: ids.agent })).status, 200);
  // Bob's reply is the marker: by the time the agent hears of it, the self-assignment was processed.
  const marker = nextEvent(agent, "notification:new", (n) => n.ticket.id === own.id);
  await comment("bob", own, "Thanks!");
  assert.equal((await marker).kind, "reply");
  assert.deepEqual(onTicket(await list("agent"), own).map((n) => n.kind), ["reply"]);
});

test("settings: kinds switched off notify nobody; bad input is refused and changes nothing; new tickets are opt-in", async () => {
  const get = async (who: keyof typeof cookies) => (await api<NotificationSettingsDTO>(server.url, cookies[who], "GET", "/api/notifications/settings")).body;
  assert.deepEqual(await get("agent"), { mention: true, assigned: true, reply: true, new_ticket: false });

  for (const bad of [{ mention: "no" }, {}, { mention: false, sms: true }, { new_ticket: null }]) {
    const res = await api<{ error: { code: string } }>(server.url, cookies.agent, "PUT", "/api/notifications/settings", bad);
    assert.equal(res.status, 400, JSON.stringify(bad));
    assert.equal(res.body.error.code, "VALIDATION");
  }
  assert.deepEqual(await get("agent"), { mention: true, assigned: true, reply: true, new_ticket: false }, "unchanged");

  const saved = await api<NotificationSettingsDTO>(server.url, cookies.agent, "PUT", "/api/notifications/settings", { mention: false, reply: false });
  assert.equal(saved.status, 200);
  assert.deepEqual(saved.body, { mention: false, assigned: true, reply: false, new_ticket: false });
  assert.deepEqual(await get("agent"), saved.body);

  const before = onTicket(await list("agent"), ticket).length;
  const alice = await socketOf("alice");
  const marker = nextEvent(alice, "notification:new", (n) => n.ticket.id === ticket.id);
  // The agent is mentioned and is the assignee: both kinds are off.
  await comment("admin", ticket, "@agent please confirm with the customer");
  await marker;
  assert.equal(onTicket(await list("agent"), ticket).length, before);

  // New tickets: the admin opts in; bob's ticket reaches the admin only.
  assert.equal((await api(server.url, cookies.admin, "PUT", "/api/notifications/settings", { new_ticket: true })).status, 200);
  const admin = await socketOf("admin");
  const opened = nextEvent(admin, "notification:new", (n) => n.kind === "new_ticket");
  const fresh = await createTicket(server.url, cookies.bob, { title: "Where is my invoice?" });
  assert.equal((await opened).ticket.id, fresh.id);
  assert.deepEqual(onTicket(await list("agent"), fresh), []);

  for (const who of ["agent", "admin"] as const) {
    const reset = { mention: true, reply: true, new_ticket: false };
    assert.equal((await api(server.url, cookies[who], "PUT", "/api/notifications/settings", reset)).status, 200);
  }
});

test("mark as read and mark all as read; every socket of the user hears notification:new and notification:read", async () => {
  const first = await socketOf("agent");
  const second = await socketOf("agent");
  const mention = (n: NotificationDTO) => n.ticket.id === ticket.id && n.kind === "mention";
  const both = Promise.all([nextEvent(first, "notification:new", mention), nextEvent(second, "notification:new", mention)]);
  await comment("admin", ticket, "@agent one more thing", true);
  const [a, b] = await both;
  assert.equal(a.id, b.id);

  const { unread, items } = await list("agent");
  assert.ok(unread >= 2, `unread ${unread}`);
  const target = items.find((n) => n.readAt === null)!;

  // Someone else's ids change nothing.
  const foreign = await api<{ unread: number }>(server.url, cookies.alice, "POST", "/api/notifications/read", { ids: [target.id] });
  assert.equal(foreign.status, 200);
  assert.equal((await list("agent")).unread, unread);

  for (const bad of [{ ids: [] }, { all: false }, { ids: ["../x"] }, { ids: [target.id], all: true }, []]) {
    const res = await api(server.url, cookies.agent, "POST", "/api/notifications/read", bad);
    assert.equal(res.status, 400, JSON.stringify(bad));
  }
  assert.equal((await list("agent")).unread, unread, "refused requests changed nothing");

  const heard = nextEvent(second, "notification:read", (e) => Array.isArray(e.ids));
  const one = await api<{ unread: number }>(server.url, cookies.agent, "POST", "/api/notifications/read", { ids: [target.id] });
  assert.deepEqual(one.body, { unread: unread - 1 });
  assert.deepEqual(await heard, { ids: [target.id], unread: unread - 1 });
  assert.notEqual((await list("agent")).items.find((n) => n.id === target.id)!.readAt, null);

  const heardAll = nextEvent(second, "notification:read", (e) => e.ids === "all");
  const all = await api<{ unread: number }>(server.url, cookies.agent, "POST", "/api/notifications/read", { all: true });
  assert.deepEqual(all.body, { unread: 0 });
  assert.deepEqual(await heardAll, { ids: "all", unread: 0 });
  const after = await list("agent");
  assert.equal(after.unread, 0);
  assert.ok(after.items.every((n) => n.readAt !== null));
});

test("mark all as read up to the newest one shown: one created after it stays unread; a foreign upTo marks nothing", async () => {
  const second = await socketOf("agent");
  const shown = nextEvent(second, "notification:new", (n) => n.ticket.id === ticket.id && n.kind === "mention");
  await comment("admin", ticket, "@agent the one on screen", true);
  const onScreen = await shown;
  // Created after the user pressed the button, before the request arrived.
  const late = nextEvent(second, "notification:new", (n) => n.id !== onScreen.id && n.ticket.id === ticket.id);
  await comment("admin", ticket, "@agent still on its way", true);
  const unseen = await late;

  const foreignId = (await list("alice")).items[0]?.id;
  if (foreignId) {
    const foreign = await api<{ unread: number }>(server.url, cookies.agent, "POST", "/api/notifications/read", { all: true, upTo: foreignId });
    assert.equal(foreign.status, 200);
    assert.equal((await list("agent")).items.find((n) => n.id === onScreen.id)?.readAt, null, "someone else's upTo marks nothing");
  }
  const heard = nextEvent(second, "notification:read", (e) => e.ids === "all");
  const res = await api<{ unread: number }>(server.url, cookies.agent, "POST", "/api/notifications/read", { all: true, upTo: onScreen.id });
  assert.equal(res.status, 200);
  assert.equal(res.body.unread, 1, "the one created after it");
  const event = await heard;
  assert.equal(event.upTo, onScreen.createdAt);
  const after = await list("agent");
  assert.notEqual(after.items.find((n) => n.id === onScreen.id)?.readAt, null);
  assert.equal(after.items.find((n) => n.id === unseen.id)?.readAt, null);
  assert.equal((await api(server.url, cookies.agent, "POST", "/api/notifications/read", { all: true, upTo: "not an id!" })).status, 400);
});

test("reading a ticket reads its notifications up to what was read, in the reader's numbering; later ones stay unread", async () => {
  const own = await createTicket(server.url, cookies.alice, { title: "Read from the list, not the bell" });
  const alice = await socketOf("alice");
  const agent = await socketOf("agent");
  // Alice's numbering skips the note: the reply is her seq 2, the agent's seq 3.
  await comment("admin", own, "@agent a note first", true);
  const replied = nextEvent(alice, "notification:new", (n) => n.ticket.id === own.id);
  const mentioned = nextEvent(agent, "notification:new", (n) => n.ticket.id === own.id && n.kind === "mention");
  await comment("admin", own, "@agent a public answer");
  const reply = await replied;
  await mentioned;
  const aliceSeq = (await api<TicketDTO>(server.url, cookies.alice, "GET", `/api/tickets/${own.id}`)).body.lastSeq;
  assert.equal(aliceSeq, 2);

  const heard = nextEvent(alice, "notification:read", (e) => Array.isArray(e.ids) && e.ids.includes(reply.id));
  assert.equal((await api(server.url, cookies.alice, "POST", `/api/tickets/${own.id}/read`, { seq: aliceSeq })).status, 200);
  const event = await heard;
  assert.deepEqual(event.ids, [reply.id]);
  assert.equal(event.unread, (await list("alice")).unread);
  assert.notEqual(onTicket(await list("alice"), own).find((n) => n.id === reply.id)?.readAt, null);

  // The agent read up to the note (seq 2): the note's mention is read, the reply's mention (seq 3) is not.
  const agentNotes = onTicket(await list("agent"), own).filter((n) => n.kind === "mention");
  assert.equal(agentNotes.length, 2);
  assert.equal((await api(server.url, cookies.agent, "POST", `/api/tickets/${own.id}/read`, { seq: 2 })).status, 200);
  const after = onTicket(await list("agent"), own).filter((n) => n.kind === "mention");
  assert.deepEqual(
    after.map((n) => n.readAt !== null).sort(),
    [false, true],
    JSON.stringify(after),
  );
});

test("no notification twice: not after a stop right after the comments, nor when events are handed over again", async () => {
  const restartTicket = await createTicket(server.url, cookies.alice, { title: "Restart me" });
  for (let i = 1; i <= 5; i++) await comment("admin", restartTicket, `@agent note ${i}`, true);
  // At once, with the processor likely mid-way: it stops after its batch in hand.
  assert.equal(await server.stop(), 0);

  server = await startServer({ dataDir: server.dataDir, env: dbEnv });
  await signInAll();
  let mentions: NotificationDTO[] = [];
  const deadline = Date.now() + 20_000;
  while ((mentions = onTicket(await list("agent"), restartTicket)).length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(mentions.length, 5, "each note notified once, across the restart");

  // Hand every event of this ticket over again, as after a crash between a
  // batch's inserts and its cursor: rewind the stored cursor to before them.
  assert.equal(await server.stop(), 0);
  await sql(`UPDATE "ProcessorCursor" c SET "txId" = e."txId", "position" = e."position" - 1
             FROM (SELECT "txId", "position" FROM "TicketEvent" WHERE "ticketId" = '${restartTicket.id}' ORDER BY "txId", "position" LIMIT 1) e
             WHERE c."name" = 'notifications'`);
  server = await startServer({ dataDir: server.dataDir, env: dbEnv });
  await signInAll();
  const agent = await socketOf("agent");
  const replayed = collect(agent, "notification:new");
  // A new mention after the replayed ones: once it arrives, the replay is done.
  const marker = nextEvents(agent, "notification:new", 1, (n) => n.ticket.id === restartTicket.id);
  await comment("admin", restartTicket, "@agent after the replay", true);
  await marker;
  assert.equal(onTicket(await list("agent"), restartTicket).length, 6);
  assert.equal(replayed.length, 1, "nothing re-announced for the replayed events");
});

/** Run SQL on the stopped server's database. */
async function sql(query: string) {
  if (!embedded) {
    const client = new pg.Client({ connectionString: dbEnv.DATABASE_URL });
    await client.connect();
    try {
      assert.equal((await client.query(query)).rowCount, 1);
    } finally {
      await client.end();
    }
    return;
  }
  const { client } = await openPglite(server.dataDir);
  try {
    assert.equal((await client.query(query)).affectedRows, 1);
  } finally {
    await client.close();
  }
}
