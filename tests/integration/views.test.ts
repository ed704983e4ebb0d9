/**
 * Ticket views (issue 10: queues): built-in queues for staff and saved views
 * for everyone, each with a count through the same scope as the list.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { TicketDTO } from "../../src/shared/dto";
import type { ViewDTO } from "../../src/shared/views";
import { api, collect, connectSocket, nextEvent, signIn, startServer, type TestServer } from "../helpers/server";
import { createTicket } from "./support";

let server: TestServer;
let url: string;
const cookies: Record<"alice" | "bob" | "agent", string> = { alice: "", bob: "", agent: "" };

before(async () => {
  server = await startServer();
  url = server.url;
  for (const who of Object.keys(cookies) as (keyof typeof cookies)[]) cookies[who] = await signIn(url, `${who}@example.com`);
});
after(async () => server?.stop());

const views = async (who: keyof typeof cookies) => (await api<{ items: ViewDTO[] }>(url, cookies[who], "GET", "/api/views")).body.items;
const count = (items: ViewDTO[], name: string) => items.find((v) => v.name === name)?.count;
const listed = async (who: keyof typeof cookies, query: string) =>
  (await api<{ items: TicketDTO[] }>(url, cookies[who], "GET", `/api/tickets?${query}&limit=100`)).body.items.length;

test("built-in queues count what their lists show, and follow changes", async () => {
  const before = await views("agent");
  assert.deepEqual(before.map((v) => v.name), ["My open", "Unassigned", "All open", "Waiting", "Urgent"]);
  for (const [name, query] of [["All open", "state=open"], ["Unassigned", "assignee=none&state=open"], ["Waiting", "status=WAITING"], ["My open", "assignee=me&state=open"]] as const) {
    assert.equal(count(before, name), await listed("agent", query), `${name} counts its list`);
  }
  const t = await createTicket(url, cookies.alice, { title: "Queue me" });
  const staff = await api<{ items: { id: string; name: string }[] }>(url, cookies.agent, "GET", "/api/users/staff");
  const agentId = staff.body.items.find((s) => s.name === "Sam Agent")!.id;
  assert.equal((await api(url, cookies.agent, "PATCH", `/api/tickets/${t.id}`, { assigneeId: agentId, status: "WAITING", priority: "URGENT" })).status, 200);
  const after = await views("agent");
  assert.equal(count(after, "My open"), count(before, "My open")! + 1);
  assert.equal(count(after, "Waiting"), count(before, "Waiting")! + 1);
  assert.equal(count(after, "Urgent"), count(before, "Urgent")! + 1);
  assert.equal(count(after, "All open"), count(before, "All open")! + 1);
  assert.equal((await api(url, cookies.agent, "PATCH", `/api/tickets/${t.id}`, { status: "RESOLVED" })).status, 200);
  assert.equal(count(await views("agent"), "All open"), count(before, "All open"));
});

test("saved views are their owner's: counted in their scope, named once, removable by them only", async () => {
  assert.deepEqual(await views("alice"), [], "requesters have no built-in queues");
  const saved = await api<{ id: string }>(url, cookies.alice, "POST", "/api/views", { name: "My waiting", filter: { status: "WAITING" } });
  assert.equal(saved.status, 201);
  assert.equal((await api(url, cookies.alice, "POST", "/api/views", { name: "My waiting", filter: {} })).status, 409);
  assert.equal((await api(url, cookies.alice, "POST", "/api/views", { name: "", filter: {} })).status, 400);
  assert.equal((await api(url, cookies.alice, "POST", "/api/views", { name: "Bad", filter: { status: "NOPE" } })).status, 400);
  const mine = await views("alice");
  assert.deepEqual(mine.map((v) => v.name), ["My waiting"]);
  assert.equal(mine[0]!.count, await listed("alice", "status=WAITING"), "counted in Alice's scope only");
  assert.deepEqual(await views("bob"), []);
  assert.equal((await api(url, cookies.bob, "DELETE", `/api/views/${saved.body.id}`)).status, 404);
  assert.equal((await api(url, cookies.alice, "DELETE", `/api/views/${saved.body.id}`)).status, 204);
  assert.deepEqual(await views("alice"), []);
  assert.equal((await api(url, undefined, "GET", "/api/views")).status, 401);
});

test("saving or removing a view reaches the owner's other tabs live (views:changed), and nobody else", async () => {
  const [tab1, tab2, bob] = await Promise.all([connectSocket(url, cookies.alice), connectSocket(url, cookies.alice), connectSocket(url, cookies.bob)]);
  try {
    const bobHeard = collect(bob, "views:changed");
    const created = nextEvent(tab2, "views:changed", (e) => e.change === "created");
    const alsoHere = nextEvent(tab1, "views:changed", (e) => e.change === "created");
    const saved = await api<{ id: string }>(url, cookies.alice, "POST", "/api/views", { name: "Live view", filter: { status: "OPEN" } });
    assert.equal(saved.status, 201);
    assert.deepEqual(await created, { id: saved.body.id, change: "created" });
    await alsoHere;
    // A refused save announces nothing.
    const before = collect(tab2, "views:changed");
    assert.equal((await api(url, cookies.alice, "POST", "/api/views", { name: "Live view", filter: {} })).status, 409);
    const deleted = nextEvent(tab2, "views:changed", (e) => e.change === "deleted");
    assert.equal((await api(url, cookies.alice, "DELETE", `/api/views/${saved.body.id}`)).status, 204);
    assert.deepEqual(await deleted, { id: saved.body.id, change: "deleted" });
    assert.deepEqual(before.map((e) => e.change), ["deleted"], "the 409 sent nothing");
    assert.deepEqual(bobHeard, [], "another user hears nothing of Alice's views");
  } finally {
    for (const s of [tab1, tab2, bob]) s.close();
  }
});
