/**
 * Presence across processes: two app processes on PostgreSQL and Redis, as
 * ecosystem.config.js runs them, behind the shipped haproxy.cfg, each client
 * pinned to a process by HAProxy's SERVERID cookie as a browser would be.
 *
 * - Everyone sees the same people on a ticket whichever process serves them,
 *   each audience in its own view (a requester never gets a note being
 *   written), and ticket lists on one process hear viewers of the other.
 * - After a kill -9 of one process (no disconnect handlers, no cleanup), its
 *   viewers disappear for the other process's clients within the TTL plus
 *   one tick. The TTL is short here (6 s) so the test is quick; production
 *   keeps 30 s, sized for background tabs.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { TicketDTO } from "../../src/shared/dto";
import type { PresenceListAck, PresenceTicket, PresenceViewer } from "../../src/shared/realtime";
import { type Haproxy, freePort, startHaproxy } from "../helpers/proxies";
import { type ClientSocket, connectSocket, nextEvent, signIn } from "../helpers/server";
import { whoAmI, type Me } from "../integration/support";
import { type Backing, createTicket, type Deployment, joinTicket, record, startApps, startBacking } from "./support";

const TTL_SECONDS = 6;
/** The tick of a 6 s TTL (min(3 s, TTL / 2)), and slack for a busy 2-core machine. */
const TICK_MS = 3_000;
const SLACK_MS = 2_000;

let backing: Backing;
let deployment: Deployment;
let haproxy: Haproxy;
let proxyUrl: string;
type Who = "admin" | "agent" | "alice";
const cookies = {} as Record<Who, string>;
const users = {} as Record<Who, Me>;
let ticket: TicketDTO;
const open: ClientSocket[] = [];

/** A socket of `who` pinned to process `server` through HAProxy. */
async function connect(who: Who, server: "s1" | "s2") {
  // The sign-in went through HAProxy too, so its cookie already names a process: replace it.
  const cookie = cookies[who].split("; ").filter((c) => !c.startsWith("SERVERID=")).join("; ");
  const socket = await connectSocket(proxyUrl, `${cookie}; SERVERID=${server}`, { origin: proxyUrl });
  open.push(socket);
  return socket;
}

const find = (viewers: PresenceViewer[], who: Who) => viewers.find((v) => v.userId === users[who].id);
const onTicket = (check: (viewers: PresenceViewer[]) => boolean) => (p: PresenceTicket) => p.ticketId === ticket.id && check(p.viewers);
const everyone = (v: PresenceViewer[]) => !!find(v, "agent") && !!find(v, "admin") && !!find(v, "alice");

before(async () => {
  backing = await startBacking();
  const appPort = await freePort();
  proxyUrl = `http://127.0.0.1:${appPort}`;
  deployment = await startApps({ backing, appUrl: proxyUrl, extraEnv: { PRESENCE_TTL_SECONDS: String(TTL_SECONDS) } });
  haproxy = await startHaproxy({ upstreams: [deployment.ports[0]!, deployment.ports[1]!], appPort });
  for (const who of ["admin", "agent", "alice"] as const) {
    cookies[who] = await signIn(proxyUrl, `${who}@example.com`);
    users[who] = await whoAmI(proxyUrl, cookies[who]);
  }
  ticket = await createTicket(proxyUrl, cookies.alice, "Presence across processes");
});

after(async () => {
  for (const s of open.splice(0)) s.close();
  await haproxy?.kill();
  await deployment?.stop();
  await backing?.stop();
});

let agentOnS1: ClientSocket;
let adminOnS2: ClientSocket;
let aliceOnS2: ClientSocket;
let listerOnS2: ClientSocket;

test("both processes show the same people on a ticket, each audience its own view, typing included", async () => {
  agentOnS1 = await connect("agent", "s1");
  adminOnS2 = await connect("admin", "s2");
  aliceOnS2 = await connect("alice", "s2");
  listerOnS2 = await connect("agent", "s2");
  // Ticket lists hear the summaries (the browser's list sends this when it shows).
  assert.deepEqual(await listerOnS2.timeout(10_000).emitWithAck("lists:watch", {}), { ok: true });
  const aliceSaw = record(aliceOnS2, "presence:ticket");

  const agentSees = nextEvent(agentOnS1, "presence:ticket", onTicket(everyone));
  const adminSees = nextEvent(adminOnS2, "presence:ticket", onTicket(everyone));
  const listSees = nextEvent(listerOnS2, "presence:summary", onTicket((v) => !!find(v, "agent")));
  await joinTicket(agentOnS1, ticket.id);
  await joinTicket(adminOnS2, ticket.id);
  await joinTicket(aliceOnS2, ticket.id);
  const [onS1, onS2] = await Promise.all([agentSees, adminSees]);
  assert.deepEqual(onS1.viewers, onS2.viewers, "the staff view is the same on both processes");
  assert.equal(find(onS1.viewers, "alice")?.role, "REQUESTER");
  await listSees;
  const listed: PresenceListAck = await listerOnS2.timeout(10_000).emitWithAck("presence:list", { ticketIds: [ticket.id] });
  if (!listed.ok) assert.fail(JSON.stringify(listed));
  assert.deepEqual(listed.viewers[ticket.id]?.map((v) => v.userId).sort(), [users.admin.id, users.agent.id, users.alice.id].sort());

  // A note being written on s1 reaches staff on s2, never the requester on s2.
  const noteSeen = nextEvent(adminOnS2, "presence:ticket", onTicket((v) => find(v, "agent")?.composing === "note"));
  agentOnS1.emit("presence:update", { ticketId: ticket.id, composing: "note" });
  await noteSeen;
  const replySeen = nextEvent(aliceOnS2, "presence:ticket", onTicket((v) => find(v, "agent")?.composing === "reply"));
  agentOnS1.emit("presence:update", { ticketId: ticket.id, composing: "reply" });
  await replySeen;
  for (const p of aliceSaw) assert.ok(!/note|idle|role/.test(JSON.stringify(p)), `nothing internal reaches the requester: ${JSON.stringify(p)}`);
  assert.deepEqual(
    aliceSaw.at(-1)!.viewers.map((v) => v.userId).sort(),
    [users.admin.id, users.agent.id].sort(),
    "the requester sees the staff of both processes",
  );
});

test("kill -9 of a process: its viewers disappear for the other process's clients within TTL + tick", async () => {
  const s1 = deployment.apps[0]!;
  const agentGone = (p: PresenceTicket) => p.ticketId === ticket.id && !find(p.viewers, "agent") && !!find(p.viewers, "alice");
  const deadline = TTL_SECONDS * 1000 + TICK_MS + SLACK_MS;
  const adminSees = nextEvent(adminOnS2, "presence:ticket", agentGone, deadline);
  const aliceSees = nextEvent(aliceOnS2, "presence:ticket", (p) => p.ticketId === ticket.id && !find(p.viewers, "agent"), deadline);
  const listSees = nextEvent(listerOnS2, "presence:summary", agentGone, deadline);
  const disconnected = new Promise((resolve) => agentOnS1.once("disconnect", resolve));

  const killedAt = Date.now();
  s1.proc.kill("SIGKILL");
  await disconnected; // the agent's socket was on s1 (and this test client does not reconnect)
  await Promise.all([adminSees, aliceSees, listSees]);
  const took = Date.now() - killedAt;
  assert.ok(adminOnS2.connected && aliceOnS2.connected, "the observers were on s2, which lives on");
  assert.ok(took <= deadline, `gone after ${took} ms`);

  // And for good: the next tick on s2 does not bring the dead viewer back.
  const listed: PresenceListAck = await listerOnS2.timeout(10_000).emitWithAck("presence:list", { ticketIds: [ticket.id] });
  if (!listed.ok) assert.fail(JSON.stringify(listed));
  assert.deepEqual(listed.viewers[ticket.id]?.map((v) => v.userId).sort(), [users.admin.id, users.alice.id].sort());
});
