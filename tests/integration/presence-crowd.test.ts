/**
 * Presence with a crowd on one ticket, against the real server: 150 agents
 * (bench accounts, see bench/lib/accounts.ts: signing 150 users in through
 * the credentials route would take minutes) join one ticket at once.
 *
 * Before presence was coalesced and capped, every join sent the whole viewer
 * list to every viewer: 150 joins cost each socket about 150 messages of up
 * to 150 viewers, and 1,000 joins stalled the server past the ping timeout
 * (bench/findings.md). Now each socket hears about one message per
 * announcement window however many join, each listing at most
 * PRESENCE_VIEWERS_SHOWN viewers with the total.
 *
 * The burst's messages are counted up to a fence (a later change every
 * socket must see; Socket.IO keeps per-connection order), never by sleeping.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTandem, type Target } from "../../bench/lib/targets";
import { ANNOUNCE_EVERY_MS } from "../../src/server/presence/presence-hub";
import { PRESENCE_VIEWERS_SHOWN, type PresenceTicket } from "../../src/shared/realtime";
import { type ClientSocket, connectSocket } from "../helpers/server";
import { until } from "./support";

const CROWD = 150;

let target: Target;
let ticketId: string;
const sockets: ClientSocket[] = [];

before(async () => {
  // One more account than sockets: the last one creates the ticket (see startTandem).
  target = await startTandem({ db: process.env.TANDEM_TEST_DB === "postgres" ? "postgres" : "embedded", processes: 1, accounts: CROWD + 1 });
  ticketId = await target.createRoom();
  for (const account of target.accounts.slice(0, CROWD)) sockets.push(await connectSocket(target.urls[0]!, account.cookie));
});

after(async () => {
  for (const s of sockets.splice(0)) s.close();
  await target?.stop();
});

test(`${CROWD} viewers joining one ticket at once: each socket hears O(1) capped messages, and the final view is right`, async (t) => {
  const heard = sockets.map((socket) => {
    const seen = { ticket: [] as PresenceTicket[], summary: [] as PresenceTicket[] };
    socket.on("presence:ticket", (p) => p.ticketId === ticketId && seen.ticket.push(p));
    socket.on("presence:summary", (p) => p.ticketId === ticketId && seen.summary.push(p));
    return seen;
  });

  // Every socket also shows a ticket list, so each hears the summaries too.
  for (const ack of await Promise.all(sockets.map((socket) => socket.timeout(60_000).emitWithAck("lists:watch", {})))) assert.deepEqual(ack, { ok: true });
  const started = performance.now();
  // A generous ack timeout: 150 joins queue for the database pool, and on a loaded CI machine
  // (both test phases at once) some took over the usual 10 s; latency is not what this test measures.
  const acks = await Promise.all(sockets.map((socket) => socket.timeout(60_000).emitWithAck("ticket:join", { ticketId })));
  const joinsTook = performance.now() - started;
  for (const ack of acks) assert.equal(ack.ok, true, JSON.stringify(ack));
  await until(() => heard.every((h) => h.ticket.at(-1)?.total === CROWD), `every socket sees all ${CROWD} viewers`, 30_000);

  // The fence: the first agent goes idle; once a socket has that, it has everything the burst sent it.
  const fence = (p: PresenceTicket) => p.viewers.some((v) => v.userId === target.accounts[0]!.userId && v.idle);
  sockets[0]!.emit("presence:update", { ticketId, idle: true });
  await until(() => heard.every((h) => h.ticket.some(fence) && h.summary.some(fence)), "every socket sees the idle change", 30_000);
  const burst = heard.map((h) => ({ ticket: h.ticket.slice(0, h.ticket.findIndex(fence)), summary: h.summary.slice(0, h.summary.findIndex(fence)) }));

  // At most one announcement per window while the joins arrive (and one after), never one per join.
  const windows = Math.ceil(joinsTook / ANNOUNCE_EVERY_MS) + 3;
  const counts = burst.map((b) => b.ticket.length);
  const most = Math.max(...counts);
  assert.ok(most <= windows, `at most ${windows} presence:ticket per socket for joins over ${Math.round(joinsTook)} ms, got ${most}`);
  assert.ok(most < CROWD / 3, `coalesced: at most ${most} presence:ticket per socket for ${CROWD} joins`);
  const summaries = Math.max(...burst.map((b) => b.summary.length));
  t.diagnostic(`${CROWD} joins over ${Math.round(joinsTook)} ms: at most ${most} presence:ticket and ${summaries} presence:summary per socket`);
  assert.ok(summaries <= windows + 1 && summaries < CROWD / 3, `the staff room's summary is coalesced too: ${summaries}`);

  // Every message is capped, and the final view is the whole crowd counted, the first names listed.
  for (const h of heard) for (const p of [...h.ticket, ...h.summary]) assert.ok(p.viewers.length <= PRESENCE_VIEWERS_SHOWN);
  const names = target.accounts.slice(0, CROWD).map((a, i) => ({ userId: a.userId, name: `Bench agent ${i + 1}` }));
  const expected = names.sort((a, b) => a.name.localeCompare(b.name) || (a.userId < b.userId ? -1 : 1)).slice(0, PRESENCE_VIEWERS_SHOWN);
  for (const b of burst) {
    const final = b.ticket.at(-1)!;
    assert.equal(final.total, CROWD);
    assert.deepEqual(final.viewers.map((v) => v.userId), expected.map((e) => e.userId));
  }
  const summary = heard[CROWD - 1]!.summary.at(-1)!;
  assert.equal(summary.total, CROWD);
  assert.equal(summary.viewers.length, PRESENCE_VIEWERS_SHOWN);
});
