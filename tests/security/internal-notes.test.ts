/**
 * Issue 7, "nothing inferable about internal notes", attacked from outside:
 * a requester fetches everything they can fetch and keeps sockets open on the
 * ticket while an agent adds internal notes. Everything they can read or
 * receive must be byte-identical before and after each note (status, headers
 * bar Date, body), their numbering must stay 1..n without gaps, and staff must
 * still see every event with gap-free catch-up.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import type { AttachmentDTO, CommentDTO, TicketDTO } from "../../src/shared/dto";
import type { AnyTicketEvent, TicketJoinAck } from "../../src/shared/realtime";
import { api, type ClientSocket, connectSocket, signIn, startServer, type TestServer } from "../helpers/server";
import { createTicket, freePort, join, until, whoAmI } from "../integration/support";

let server: TestServer;
let url: string;
type Who = "agent" | "alice";
const cookies = {} as Record<Who, string>;

const open: ClientSocket[] = [];
async function connect(who: Who) {
  const socket = await connectSocket(url, cookies[who]);
  open.push(socket);
  return socket;
}

before(async () => {
  const port = await freePort();
  server = await startServer({ port, env: { APP_URL: `http://127.0.0.1:${port}` } });
  url = server.url;
  for (const who of ["agent", "alice"] as const) cookies[who] = await signIn(url, `${who}@example.com`);
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

after(async () => {
  assert.equal(await server?.stop(), 0);
});

type Fetched = { status: number; headers: Record<string, string>; body: string };

/**
 * A GET exactly as the requester's browser would see it. Only `Date` is
 * dropped: it is the wall clock, not state. Every other header stays,
 * including any ETag or Content-Length, so a response that changed size or
 * validator would show.
 */
async function fetchRaw(who: Who, pathname: string, extra: Record<string, string> = {}): Promise<Fetched> {
  const res = await fetch(`${url}${pathname}`, { headers: { ...extra, cookie: cookies[who] } });
  const body = await res.text();
  // `link` is Next's CSS preload hint: under concurrent page renders it is
  // sometimes added to a neighbouring response too. It names a static chunk,
  // never data, so it is left out like the date and the request id.
  const headers = Object.fromEntries([...res.headers].filter(([name]) => name !== "date" && name !== "x-request-id" && name !== "link"));
  return { status: res.status, headers, body };
}

async function comment(who: Who, ticketId: string, body: string, internal = false): Promise<CommentDTO> {
  const res = await api<CommentDTO>(url, cookies[who], "POST", `/api/tickets/${ticketId}/comments`, { body, internal });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function patch(who: Who, ticketId: string, body: Record<string, unknown>): Promise<TicketDTO> {
  const res = await api<TicketDTO>(url, cookies[who], "PATCH", `/api/tickets/${ticketId}`, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function upload(who: Who, ticketId: string, name: string): Promise<AttachmentDTO> {
  const form = new FormData();
  form.append("file", new Blob(["some bytes"], { type: "text/plain" }), name);
  const res = await fetch(`${url}/api/tickets/${ticketId}/attachments`, { method: "POST", headers: { cookie: cookies[who] }, body: form });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as AttachmentDTO;
}

async function eventsPage(who: Who, ticketId: string, afterSeq: number) {
  const res = await api<{ seq: number; items: AnyTicketEvent[]; truncated: boolean }>(url, cookies[who], "GET", `/api/tickets/${ticketId}/events?after=${afterSeq}`);
  assert.equal(res.status, 200);
  return res.body;
}

const LIVE_EVENTS = ["ticket:created", "ticket:updated", "comment:added", "attachment:added"] as const;

/** Every server event a socket receives, in arrival order. */
function record(socket: ClientSocket) {
  const got: Array<{ name: string; event: AnyTicketEvent }> = [];
  for (const name of LIVE_EVENTS) socket.on(name, ((event: AnyTicketEvent) => got.push({ name, event })) as never);
  return got;
}

/**
 * The markup without scripts as a browser ends up showing it, whatever the
 * streaming order. When the database is slow, a Suspense boundary first
 * streams its fallback (`<!--$?--><template id="B:0"></template>Loading…<!--/$-->`)
 * and the content later in `<div hidden id="S:0">`, which the browser swaps
 * in; when it is fast, the content is inline (and placeholders such as
 * `<template id="P:2">` come and go the same way). Dropping the fallbacks, the
 * streaming markers' own tags, comments and closing tags, and sorting, makes the
 * two forms equal while every tag's attributes and every text stay compared.
 */
function markupParts(html: string) {
  const shown = html
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, "")
    .replace(/<!--\$\?--><template id="B:[0-9a-f]+"><\/template>[\s\S]*?<!--\/\$-->/g, "")
    .replace(/<!--[\s\S]*?-->/g, "");
  const tags = [...shown.matchAll(/<(?!\/)[^>]+>/g)].map((m) => m[0]).filter((t) => !/^<div hidden[^>]* id="S:[0-9a-f]+"|^<template id="[A-Z]+:[0-9a-f]+">$/.test(t));
  const texts = shown.split(/<[^>]+>/).filter((t) => t.trim() !== "");
  return { tags: tags.sort(), texts: texts.sort() };
}

/**
 * A page response made comparable. Next streams a page: its HTML arrives in
 * chunks with the React Server Components rows in <script> tags in between,
 * and where a row or a Suspense segment lands depends on how fast the
 * database answered (seen on PostgreSQL: the same page in two interleavings).
 * So the RSC rows are compared byte for byte as a sorted list, and the markup
 * as what it shows: every opening tag with its attributes and every text node,
 * each byte for byte, as sorted lists (see markupParts). The other things masked: Next keys
 * the streamed <head> elements with a fresh random 22-character id per request,
 * unrelated to any data, and the page's CSP nonce. The stability check in the test proves nothing else
 * varies between two identical requests.
 */
function page(res: Fetched) {
  // A page's CSP nonce is fresh random bytes per response (web.test.ts proves
  // it is never reused): masked wherever it appears, header and markup alike.
  const nonce = /'nonce-([^']+)'/.exec(res.headers["content-security-policy"] ?? "")?.[1];
  if (nonce) {
    const mask = (text: string) => text.split(nonce).join("<nonce>");
    res = { ...res, body: mask(res.body), headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, mask(v)])) };
  }
  const requestKey = (text: string) => text.replace(/("\$L[0-9a-f]+",)"[A-Za-z0-9_-]{22}"/g, '$1"<request key>"');
  const rows = (flight: string) => requestKey(flight).split("\n").sort();
  if (res.headers["content-type"]?.startsWith("text/html")) {
    const flight = [...res.body.matchAll(/self\.__next_f\.push\(\[1,("(?:[^"\\]|\\.)*")\]\)/g)]
      .map((m) => JSON.parse(m[1]!) as string)
      .join("");
    assert.ok(flight.length > 1000, "the page's RSC rows were found");
    return { status: res.status, headers: res.headers, markup: markupParts(res.body), rows: rows(flight) };
  }
  return { status: res.status, headers: res.headers, rows: rows(res.body) };
}

type Received = ReturnType<typeof record>;

/** Wait until `got` holds an event matching `match` (it may have arrived before the HTTP answer). */
async function received(got: Received, what: string, match: (event: AnyTicketEvent) => boolean): Promise<AnyTicketEvent> {
  await until(() => got.some((x) => match(x.event)), what);
  return got.find((x) => match(x.event))!.event;
}

const isComment = (id: string) => (e: AnyTicketEvent) => e.type === "comment:added" && e.data.comment.id === id;

/**
 * Everything the requester can fetch about `ticket`, and what a socket of
 * theirs is told when it joins (fresh, and with every sinceSeq).
 */
async function requesterView(ticket: TicketDTO): Promise<Record<string, unknown>> {
  const view: Record<string, unknown> = {};
  const id = ticket.id;
  const lists = [
    "",
    "?sort=updated_desc",
    "?sort=updated_asc",
    "?sort=created_desc",
    "?sort=created_asc",
    `?q=${encodeURIComponent(ticket.title)}`,
    `?q=${encodeURIComponent(ticket.title)}&sort=updated_asc`,
    `?q=%23${ticket.number}`,
    "?status=IN_PROGRESS",
    "?limit=1",
  ];
  for (const q of lists) view[`GET /api/tickets${q}`] = await fetchRaw("alice", `/api/tickets${q}`);
  const single = await fetchRaw("alice", `/api/tickets/${id}`);
  view[`GET /api/tickets/:id`] = single;
  const lastSeq = (JSON.parse(single.body) as TicketDTO).lastSeq;
  for (let afterSeq = 0; afterSeq <= lastSeq + 3; afterSeq++) {
    view[`GET events?after=${afterSeq}`] = await fetchRaw("alice", `/api/tickets/${id}/events?after=${afterSeq}`);
  }
  view["GET events"] = await fetchRaw("alice", `/api/tickets/${id}/events`);
  view["GET events?after=99999999999"] = await fetchRaw("alice", `/api/tickets/${id}/events?after=99999999999`);
  view["GET comments"] = await fetchRaw("alice", `/api/tickets/${id}/comments`);
  view["GET attachments"] = await fetchRaw("alice", `/api/tickets/${id}/attachments`);
  // The server-rendered pages (ticket page: timeline, comments, watermark;
  // the list page) and the RSC payload client-side navigation fetches instead.
  for (const [name, path] of [["/tickets/:id", `/tickets/${id}`], ["/tickets", "/tickets"]] as const) {
    view[`GET ${name} (HTML)`] = page(await fetchRaw("alice", path));
    view[`GET ${name} (RSC)`] = page(await fetchRaw("alice", path, { rsc: "1" }));
  }

  const socket = await connect("alice");
  const acks: Record<string, TicketJoinAck> = {};
  acks["fresh join"] = await join(socket, { ticketId: id });
  for (let since = 0; since <= lastSeq + 1; since++) acks[`join sinceSeq=${since}`] = await join(socket, { ticketId: id, sinceSeq: since });
  view["socket acks"] = acks;
  socket.close();
  return view;
}

/** Staff and requester sequences: the requester's is 1..n, staff's 1..N with every note in it. */
async function assertNumberings(ticketId: string, expect: { requester: number; staff: number; internalStaffSeqs: number[] }) {
  const mine = await eventsPage("alice", ticketId, 0);
  assert.deepEqual(mine.items.map((e) => e.seq), Array.from({ length: expect.requester }, (_, i) => i + 1), "requester numbering is 1..n");
  assert.equal(mine.seq, expect.requester);
  assert.ok(mine.items.every((e) => e.type !== "comment:added" || !e.data.comment.internal));
  const staff = await eventsPage("agent", ticketId, 0);
  assert.deepEqual(staff.items.map((e) => e.seq), Array.from({ length: expect.staff }, (_, i) => i + 1), "staff numbering is 1..N");
  assert.equal(staff.seq, expect.staff);
  assert.deepEqual(
    staff.items.filter((e) => e.type === "comment:added" && e.data.comment.internal).map((e) => e.seq),
    expect.internalStaffSeqs,
  );
  const ticket = await api<TicketDTO>(url, cookies.alice, "GET", `/api/tickets/${ticketId}`);
  assert.equal(ticket.body.lastSeq, expect.requester, "the requester's ticket.lastSeq is their own numbering");
  const staffTicket = await api<TicketDTO>(url, cookies.agent, "GET", `/api/tickets/${ticketId}`);
  assert.equal(staffTicket.body.lastSeq, expect.staff);
}

test("an internal note changes nothing a requester can fetch or receive; each audience's numbering stays gap-free", async () => {
  const alice = await whoAmI(url, cookies.alice);

  // A ticket with some public history: created, a comment each way, a status
  // change, an attachment (public seqs 1..5, staff seqs 1..5).
  const ticket = await createTicket(url, cookies.alice, { title: "Internal notes leave no trace" });
  const agentSocket = await connect("agent");
  const agentLive = record(agentSocket);
  assert.equal((await join(agentSocket, { ticketId: ticket.id })).ok, true);
  // The requester's live sockets: one following the ticket, one only in her
  // user room (ticket changes reach her there wherever she is).
  const following = await connect("alice");
  const followingLive = record(following);
  assert.equal((await join(following, { ticketId: ticket.id })).ok, true);
  const elsewhere = await connect("alice");
  const elsewhereLive = record(elsewhere);

  await comment("alice", ticket.id, "The printer is on fire.");
  await comment("agent", ticket.id, "On my way.");
  await patch("agent", ticket.id, { status: "IN_PROGRESS" });
  const attachment = await upload("alice", ticket.id, "photo.txt");
  await received(followingLive, "the attachment event", (e) => e.seq === 5);
  assert.deepEqual(followingLive.map((x) => x.event.seq), [2, 3, 4, 5]);
  assert.equal(attachment.ticketId, ticket.id);

  // Stability control: two views with nothing in between are identical, so
  // any difference later is caused by what happened in between.
  const before1 = await requesterView(ticket);
  assert.deepEqual(await requesterView(ticket), before1, "the requester's view is deterministic");
  const staffBefore = await fetchRaw("agent", `/api/tickets/${ticket.id}`);
  followingLive.length = 0;
  elsewhereLive.length = 0;

  // Round 1: an internal note.
  const note1 = await comment("agent", ticket.id, "Requester's printer is a fire hazard; order a new one.", true);
  await received(agentLive, "note 1 on the staff socket", isComment(note1.id));
  assert.deepEqual(await requesterView(ticket), before1, "byte-identical after an internal note");
  // Negative control: the same comparison on the staff side does see it.
  const staffAfter = await fetchRaw("agent", `/api/tickets/${ticket.id}`);
  assert.notDeepEqual(staffAfter, staffBefore, "staff's ticket moved (lastSeq), so the comparison can fail");
  await assertNumberings(ticket.id, { requester: 5, staff: 6, internalStaffSeqs: [6] });

  // Round 2: an internal note between two public comments, with a public
  // change by the requester herself.
  const c1 = await comment("agent", ticket.id, "Ordered a replacement.");
  const c1Live = await received(followingLive, "c1", isComment(c1.id));
  assert.equal(c1Live.seq, 6, "the next public event follows on directly");
  const mid = await requesterView(ticket);
  const note2 = await comment("agent", ticket.id, "Charge it to facilities.", true);
  await received(agentLive, "note 2 on the staff socket", isComment(note2.id));
  assert.deepEqual(await requesterView(ticket), mid, "byte-identical after the second internal note");
  const retitled = await patch("alice", ticket.id, { title: "Printer on fire (replacement ordered)" });
  assert.equal(retitled.lastSeq, 7, "the PATCH answer is in the requester's numbering");
  const c2 = await comment("agent", ticket.id, "Replacement installed.");
  const c2Live = await received(followingLive, "c2", isComment(c2.id));
  assert.equal(c2Live.seq, 8);

  // Live: the requester's sockets received exactly the public changes, in
  // her numbering, and nothing at all for either note.
  assert.deepEqual(
    followingLive.map((x) => [x.name, x.event.seq]),
    [
      ["comment:added", 6],
      ["ticket:updated", 7],
      ["comment:added", 8],
    ],
  );
  const liveUpdate = followingLive[1]!.event;
  assert.equal(liveUpdate.type === "ticket:updated" && liveUpdate.data.ticket.lastSeq, 7, "ticket snapshots carry her numbering");
  assert.deepEqual(elsewhereLive.map((x) => [x.name, x.event.seq]), [["ticket:updated", 7]]);

  await assertNumberings(ticket.id, { requester: 8, staff: 10, internalStaffSeqs: [6, 8] });

  // Catch-up for both audiences from the middle of the log.
  const staffLate = await connect("agent");
  const staffAck = await join(staffLate, { ticketId: ticket.id, sinceSeq: 5 });
  assert.ok(staffAck.ok);
  assert.deepEqual(staffAck.missed.map((e) => e.seq), [6, 7, 8, 9, 10]);
  assert.deepEqual(
    staffAck.missed.map((e) => (e.type === "comment:added" ? e.data.comment.id : e.type)),
    [note1.id, c1.id, note2.id, "ticket:updated", c2.id],
    "staff catch up on the notes and the public events",
  );
  assert.equal(staffAck.seq, 10);
  const aliceLate = await connect("alice");
  const aliceAck = await join(aliceLate, { ticketId: ticket.id, sinceSeq: 5 });
  assert.ok(aliceAck.ok);
  assert.deepEqual(aliceAck.missed.map((e) => e.seq), [6, 7, 8]);
  assert.deepEqual(
    aliceAck.missed.map((e) => (e.type === "comment:added" ? e.data.comment.id : e.type)),
    [c1.id, "ticket:updated", c2.id],
  );
  assert.equal(aliceAck.seq, 8);

  // Her ticket list sorts by updatedAt: internal notes never touched it, the
  // public comment after them did (and only that).
  const listed = await api<{ items: TicketDTO[] }>(url, cookies.alice, "GET", "/api/tickets?sort=updated_desc&limit=1");
  assert.equal(listed.body.items[0]?.id, ticket.id);
  assert.equal(listed.body.items[0]?.updatedAt, c2.createdAt);
  assert.equal(listed.body.items[0]?.requester.id, alice.id);
});

test("ids requesters can see carry no counter of other records", async () => {
  // cuid v1 ids ("c" + time + a per-process counter + …) let a requester
  // count the records created between two of their comments, internal notes
  // included. Ids are cuid2 now: 24 characters, all random after the first.
  const ticket = await createTicket(url, cookies.alice, { title: "Id format" });
  const first = await comment("alice", ticket.id, "one");
  await comment("agent", ticket.id, "hidden", true);
  const second = await comment("alice", ticket.id, "two");
  const attachment = await upload("alice", ticket.id, "a.txt");
  for (const id of [ticket.id, first.id, second.id, attachment.id]) {
    assert.match(id, /^[a-z][a-z0-9]{23}$/, `${id} is a cuid2`);
  }
  // Their shared prefix is no longer than chance would give.
  let common = 0;
  while (first.id[common] === second.id[common]) common++;
  assert.ok(common < 4, `${first.id} and ${second.id} share a ${common}-character prefix`);
});
