/**
 * Canned replies (issue 10) across roles, for every endpoint: staff see the
 * shared ones and their own personal ones; only admins write shared ones;
 * others' personal ones do not exist for them (404); requesters are refused
 * (403) and the signed-out 401; bad input is 400 and changes nothing.
 * Live (real sockets): a shared reply's change reaches every staff socket and
 * no requester's; a personal one reaches only its owner's other sockets.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { CannedReplyDTO } from "../../src/shared/dto";
import type { CannedChanged } from "../../src/shared/realtime";
import { api, type ClientSocket, collect, connectSocket, nextEvent, signIn, startServer, type TestServer } from "../helpers/server";

let server: TestServer;
let url: string;
const cookies: Record<"alice" | "agent" | "admin", string> = { alice: "", agent: "", admin: "" };

before(async () => {
  server = await startServer();
  url = server.url;
  for (const who of Object.keys(cookies) as (keyof typeof cookies)[]) cookies[who] = await signIn(url, `${who}@example.com`);
});

after(async () => {
  await server?.stop();
});

type Err = { error: { code: string; fields?: Record<string, string[]> } };
const list = async (cookie: string) => {
  const res = await api<{ items: CannedReplyDTO[] }>(url, cookie, "GET", "/api/canned-replies");
  assert.equal(res.status, 200);
  return res.body.items;
};
const create = (cookie: string | undefined, body: unknown) => api<CannedReplyDTO & Err>(url, cookie, "POST", "/api/canned-replies", body);
const patch = (cookie: string | undefined, id: string, body: unknown) => api<CannedReplyDTO & Err>(url, cookie, "PATCH", `/api/canned-replies/${id}`, body);
const remove = (cookie: string | undefined, id: string) => api<Err>(url, cookie, "DELETE", `/api/canned-replies/${id}`);

test("staff create personal replies; only admins create shared ones; each sees shared plus their own", async () => {
  const mine = await create(cookies.agent, { title: "Refund issued", body: "Hi {{requester.firstName}}, refunded on #{{ticket.number}}.", shared: false });
  assert.equal(mine.status, 201);
  assert.deepEqual([mine.body.title, mine.body.shared, mine.body.canEdit], ["Refund issued", false, true]);

  const agentShared = await create(cookies.agent, { title: "Team answer", body: "Nope", shared: true });
  assert.equal(agentShared.status, 403, "agents do not write shared replies");

  const shared = await create(cookies.admin, { title: "  Welcome  ", body: "Hello {{requester.name}}", shared: true });
  assert.equal(shared.status, 201);
  assert.equal(shared.body.title, "Welcome", "titles are trimmed");
  assert.equal(shared.body.shared, true);
  const adminsOwn = await create(cookies.admin, { title: "Admin's own", body: "Private", shared: false });
  assert.equal(adminsOwn.status, 201);

  const agentSees = await list(cookies.agent);
  assert.deepEqual(agentSees.map((r) => [r.title, r.shared, r.canEdit]), [
    ["Refund issued", false, true],
    ["Welcome", true, false],
  ]);
  const adminSees = await list(cookies.admin);
  assert.deepEqual(adminSees.map((r) => [r.title, r.shared, r.canEdit]), [
    ["Admin's own", false, true],
    ["Welcome", true, true],
  ]);
  assert.ok(!agentSees.some((r) => r.title === "Team answer"), "the refused create stored nothing");
});

test("requesters are refused (403) and the signed-out 401 on every endpoint", async () => {
  const [someone] = await list(cookies.agent);
  for (const cookie of [cookies.alice, undefined]) {
    const status = cookie ? 403 : 401;
    assert.equal((await api(url, cookie, "GET", "/api/canned-replies")).status, status);
    assert.equal((await create(cookie, { title: "Mine", body: "Text", shared: false })).status, status);
    assert.equal((await patch(cookie, someone!.id, { title: "Hijacked" })).status, status);
    assert.equal((await remove(cookie, someone!.id)).status, status);
  }
  assert.equal((await list(cookies.agent)).find((r) => r.id === someone!.id)?.title, someone!.title, "nothing changed");
});

test("others' personal replies are 404; a shared one is the admins' to change", async () => {
  const agentOwn = (await list(cookies.agent)).find((r) => r.title === "Refund issued")!;
  const adminOwn = (await list(cookies.admin)).find((r) => r.title === "Admin's own")!;
  const shared = (await list(cookies.agent)).find((r) => r.title === "Welcome")!;

  for (const [cookie, id] of [
    [cookies.agent, adminOwn.id],
    [cookies.admin, agentOwn.id],
    [cookies.agent, "nonexistent0000000000000"],
    [cookies.agent, "bad%00id"],
  ] as const) {
    const changed = await patch(cookie, id, { title: "Mine now" });
    assert.equal(changed.status, 404, `PATCH ${id}`);
    assert.equal(changed.body.error.code, "NOT_FOUND");
    assert.equal((await remove(cookie, id)).status, 404, `DELETE ${id}`);
  }
  assert.equal((await patch(cookies.agent, shared.id, { body: "Changed by an agent" })).status, 403);
  assert.equal((await remove(cookies.agent, shared.id)).status, 403);
  assert.equal((await list(cookies.admin)).find((r) => r.id === adminOwn.id)?.title, "Admin's own");
  assert.equal((await list(cookies.agent)).find((r) => r.id === agentOwn.id)?.title, "Refund issued");
  assert.equal((await list(cookies.agent)).find((r) => r.id === shared.id)?.body, "Hello {{requester.name}}");

  const edited = await patch(cookies.admin, shared.id, { body: "Hello {{requester.firstName}}" });
  assert.equal(edited.status, 200);
  assert.equal(edited.body.body, "Hello {{requester.firstName}}");
  assert.equal(edited.body.title, "Welcome", "a field not sent is kept");
  const renamed = await patch(cookies.agent, agentOwn.id, { title: "Refund done" });
  assert.equal(renamed.status, 200);
  assert.equal((await list(cookies.agent)).find((r) => r.id === agentOwn.id)?.title, "Refund done");
});

test("bad input is 400 with field errors and changes nothing", async () => {
  const before = await list(cookies.admin);
  const target = before.find((r) => r.title === "Admin's own")!;
  for (const body of [
    {},
    { title: "", body: "Text", shared: false },
    { title: "   ", body: "Text", shared: false },
    { title: "T", body: "", shared: false },
    { title: "T", body: "Text" },
    { title: "T", body: "Text", shared: "yes" },
    { title: "x".repeat(201), body: "Text", shared: false },
    { title: "T", body: "x".repeat(10_001), shared: false },
    { title: "Nul\u0000", body: "Text", shared: false },
  ]) {
    const res = await create(cookies.admin, body);
    assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
    assert.equal(res.body.error.code, "VALIDATION");
  }
  for (const body of [{}, { title: "" }, { body: "  " }, { shared: true }, { title: "Fine", ownerId: "someone" }, [1]]) {
    const res = await patch(cookies.admin, target.id, body);
    assert.equal(res.status, 400, JSON.stringify(body));
  }
  const notJson = await fetch(`${url}/api/canned-replies`, { method: "POST", headers: { cookie: cookies.admin, "content-type": "text/plain" }, body: "{}" });
  assert.equal(notJson.status, 415);
  assert.deepEqual(await list(cookies.admin), before, "nothing changed");
});

test("deleting: owners delete their own, admins shared ones; gone for everyone", async () => {
  const agentOwn = (await list(cookies.agent)).find((r) => r.title === "Refund done")!;
  const shared = (await list(cookies.admin)).find((r) => r.title === "Welcome")!;
  assert.equal((await remove(cookies.agent, agentOwn.id)).status, 204);
  assert.equal((await remove(cookies.agent, agentOwn.id)).status, 404, "already gone");
  assert.equal((await remove(cookies.admin, shared.id)).status, 204);
  assert.deepEqual((await list(cookies.agent)).map((r) => r.title), []);
  assert.deepEqual((await list(cookies.admin)).map((r) => r.title), ["Admin's own"]);
});

describe("live: canned:changed reaches exactly the sockets that may see the reply", () => {
  const sockets: ClientSocket[] = [];
  let agentTab1: ClientSocket, agentTab2: ClientSocket, otherAgent: ClientSocket, adminTab: ClientSocket, requester: ClientSocket;
  const heard = new Map<ClientSocket, CannedChanged[]>();
  /** Time for a message that should not come to arrive anyway (all go out in one emit, in one process). */
  const SETTLE_MS = 500;
  const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));
  const about = (id: string) => (s: ClientSocket) => (heard.get(s) ?? []).filter((e) => e.id === id);

  before(async () => {
    const email = `agent2-${Date.now()}@example.com`;
    const created = await api(url, cookies.admin, "POST", "/api/users", { email, name: "Second Agent", role: "AGENT", password: "agent2-password-1" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const otherAgentCookie = await signIn(url, email, "agent2-password-1");
    [agentTab1, agentTab2, otherAgent, adminTab, requester] = await Promise.all([
      connectSocket(url, cookies.agent),
      connectSocket(url, cookies.agent),
      connectSocket(url, otherAgentCookie),
      connectSocket(url, cookies.admin),
      connectSocket(url, cookies.alice),
    ]);
    for (const socket of [agentTab1, agentTab2, otherAgent, adminTab, requester]) {
      sockets.push(socket);
      heard.set(socket, collect(socket, "canned:changed"));
    }
  });

  after(() => {
    for (const socket of sockets) socket.close();
  });

  test("a shared reply created, edited and deleted by an admin reaches every staff socket, never a requester's", async () => {
    const gotIt = Promise.all([agentTab1, otherAgent, adminTab].map((s) => nextEvent(s, "canned:changed", (e) => e.change === "created")));
    const created = await create(cookies.admin, { title: "Live shared", body: "Shared text", shared: true });
    assert.equal(created.status, 201);
    const id = created.body.id;
    for (const event of await gotIt) assert.deepEqual(event, { id, change: "created", shared: true });
    // What the message asks for: the list now holds it, as each may see it.
    assert.deepEqual((await list(cookies.agent)).filter((r) => r.id === id).map((r) => [r.title, r.canEdit]), [["Live shared", false]]);

    const edited = nextEvent(otherAgent, "canned:changed", (e) => e.id === id && e.change === "updated");
    assert.equal((await patch(cookies.admin, id, { title: "Live shared, edited" })).status, 200);
    await edited;
    const deleted = nextEvent(agentTab2, "canned:changed", (e) => e.id === id && e.change === "deleted");
    assert.equal((await remove(cookies.admin, id)).status, 204);
    await deleted;
    await settle();
    for (const socket of [agentTab1, agentTab2, otherAgent, adminTab]) {
      assert.deepEqual(about(id)(socket).map((e) => e.change), ["created", "updated", "deleted"], "each staff socket heard each change once");
    }
    assert.deepEqual(about(id)(requester), [], "the requester heard nothing");
  });

  test("a personal reply's changes reach its owner's other tabs only: not another agent, not an admin, not a requester", async () => {
    const inOtherTab = nextEvent(agentTab2, "canned:changed", (e) => e.change === "created" && !e.shared);
    const created = await create(cookies.agent, { title: "Live personal", body: "Mine", shared: false });
    assert.equal(created.status, 201);
    const id = created.body.id;
    assert.deepEqual(await inOtherTab, { id, change: "created", shared: false });
    assert.equal((await patch(cookies.agent, id, { body: "Still mine" })).status, 200);
    const deleted = nextEvent(agentTab2, "canned:changed", (e) => e.id === id && e.change === "deleted");
    assert.equal((await remove(cookies.agent, id)).status, 204);
    await deleted;
    await settle();
    for (const socket of [agentTab1, agentTab2]) assert.deepEqual(about(id)(socket).map((e) => e.change), ["created", "updated", "deleted"]);
    for (const socket of [otherAgent, adminTab, requester]) assert.deepEqual(about(id)(socket), [], "nobody else hears of it");
  });

  test("refused changes announce nothing", async () => {
    const before = new Map([...heard].map(([s, events]) => [s, events.length]));
    const adminOwn = (await list(cookies.admin)).find((r) => r.title === "Admin's own")!;
    assert.equal((await create(cookies.agent, { title: "Team answer", body: "No", shared: true })).status, 403);
    assert.equal((await create(cookies.alice, { title: "Mine", body: "No", shared: false })).status, 403);
    assert.equal((await create(cookies.admin, { title: "", body: "No", shared: true })).status, 400);
    assert.equal((await patch(cookies.agent, adminOwn.id, { title: "Mine now" })).status, 404);
    assert.equal((await remove(cookies.agent, adminOwn.id)).status, 404);
    await settle();
    for (const [socket, count] of before) assert.equal(heard.get(socket)!.length, count);
  });
});
