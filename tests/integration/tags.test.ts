/**
 * Tags (issue 10): staff-only labels, changed by add/remove operations so two
 * agents tagging at once never conflict; filter by tag in lists, searches,
 * views and counts. A requester never sees a tag, a tags event, a moved
 * number, or a result a tag filter would reveal.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ApiErrorBody, Page, TagDTO, TicketDTO } from "../../src/shared/dto";
import type { AnyTicketEvent } from "../../src/shared/realtime";
import type { ViewDTO } from "../../src/shared/views";
import { api, type ClientSocket, collect, connectSocket, nextEvent, signIn, startServer, type TestServer } from "../helpers/server";
import { createTicket, join } from "./support";

let server: TestServer;
let url: string;
const cookies: Record<"alice" | "bob" | "agent" | "admin", string> = { alice: "", bob: "", agent: "", admin: "" };
const sockets: ClientSocket[] = [];

before(async () => {
  server = await startServer();
  url = server.url;
  for (const who of Object.keys(cookies) as (keyof typeof cookies)[]) cookies[who] = await signIn(url, `${who}@example.com`);
});
after(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
});

let n = 0;
const unique = (base: string) => `${base}-${process.pid}-${++n}`;
const tag = (who: keyof typeof cookies, ticketId: string, ops: unknown) => api<TicketDTO>(url, cookies[who], "POST", `/api/tickets/${ticketId}/tags`, ops);
const read = async (who: keyof typeof cookies, ticketId: string) => {
  const res = await api<TicketDTO>(url, cookies[who], "GET", `/api/tickets/${ticketId}`);
  assert.equal(res.status, 200);
  return res.body;
};
const list = (who: keyof typeof cookies, query: string) => api<Page<TicketDTO>>(url, cookies[who], "GET", `/api/tickets?${query}&limit=100`);
const events = async (who: keyof typeof cookies, ticketId: string) =>
  (await api<{ items: AnyTicketEvent[] }>(url, cookies[who], "GET", `/api/tickets/${ticketId}/events?after=0`)).body.items;

function assertError(res: { status: number; body: unknown }, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal((res.body as ApiErrorBody).error?.code, code, JSON.stringify(res.body));
}

async function socketFor(who: keyof typeof cookies): Promise<ClientSocket> {
  const s = await connectSocket(url, cookies[who]);
  sockets.push(s);
  return s;
}

describe("authorization", () => {
  test("staff tag (200); a requester is refused on their own ticket (403) and cannot find another's (404); signed out 401", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Matrix for tags" });
    for (const who of ["agent", "admin"] as const) {
      const res = await tag(who, t.id, { add: [`by-${who}`] });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.tags?.includes(`by-${who}`));
    }
    assertError(await tag("alice", t.id, { add: ["mine"] }), 403, "FORBIDDEN");
    assertError(await tag("alice", t.id, { remove: ["by-agent"] }), 403, "FORBIDDEN");
    assertError(await tag("bob", t.id, { add: ["x"] }), 404, "NOT_FOUND");
    assertError(await api(url, undefined, "POST", `/api/tickets/${t.id}/tags`, { add: ["x"] }), 401, "UNAUTHORIZED");
    assert.deepEqual((await read("agent", t.id)).tags, ["by-admin", "by-agent"], "nothing the refused calls sent was applied");

    for (const who of ["agent", "admin"] as const) assert.equal((await api(url, cookies[who], "GET", "/api/tags")).status, 200);
    assertError(await api(url, cookies.alice, "GET", "/api/tags"), 403, "FORBIDDEN");
    assertError(await api(url, undefined, "GET", "/api/tags"), 401, "UNAUTHORIZED");
  });

  test("a requester cannot filter by tag (the result would reveal tags), nor save a view that does", async () => {
    assertError(await list("alice", "tag=by-agent"), 403, "FORBIDDEN");
    assertError(await list("alice", "tag=by-agent&q=matrix"), 403, "FORBIDDEN");
    assertError(await api(url, cookies.alice, "POST", "/api/views", { name: "Tagged", filter: { tag: "by-agent" } }), 403, "FORBIDDEN");
    const views = await api<{ items: ViewDTO[] }>(url, cookies.alice, "GET", "/api/views");
    assert.equal(views.body.items.some((v) => v.name === "Tagged"), false);
  });
});

describe("operations", () => {
  test("names are normalized; adding what is there and removing what is not change nothing and record nothing", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Normalize tags" });
    const res = await tag("agent", t.id, { add: ["  Billing   Issue ", "VIP", "vip"] });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.tags, ["billing-issue", "vip"]);
    const before = await read("agent", t.id);
    const again = await tag("agent", t.id, { add: ["vip"], remove: ["never-there"] });
    assert.equal(again.status, 200);
    assert.equal(again.body.lastSeq, before.lastSeq, "no event for a change that changes nothing");
    const removed = await tag("agent", t.id, { remove: ["VIP"] });
    assert.deepEqual(removed.body.tags, ["billing-issue"]);
    assert.equal(removed.body.version, t.version, "tags never move the ticket's version (no conflict with field edits)");
    const log = (await events("agent", t.id)).filter((e) => e.type === "ticket:updated");
    assert.deepEqual(
      log.map((e) => (e.type === "ticket:updated" ? e.data.changes.tags : null)),
      [{ added: ["billing-issue", "vip"], removed: [] }, { added: [], removed: ["vip"] }],
    );
  });

  test("bad input is a 400 with the field named, and changes nothing", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Bad tags" });
    await tag("agent", t.id, { add: ["keep"] });
    const before = await read("agent", t.id);
    const cases: Array<[unknown, string]> = [
      [{}, "add"],
      [{ add: [] }, "add"],
      [{ add: [""] }, "add.0"],
      [{ add: ["-leading-dash"] }, "add.0"],
      [{ add: ["semi;colon"] }, "add.0"],
      [{ add: ["x".repeat(41)] }, "add.0"],
      [{ add: ["a\u0000b"] }, "add.0"],
      [{ add: Array.from({ length: 21 }, (_, i) => `t${i}`) }, "add"],
      [{ add: ["same"], remove: ["same"] }, "remove"],
      [{ add: ["ok"], extra: true }, "_"],
      [{ add: "not-a-list" }, "add"],
    ];
    for (const [body, field] of cases) {
      const res = await tag("agent", t.id, body);
      assertError(res, 400, "VALIDATION");
      assert.ok((res.body as unknown as ApiErrorBody).error.fields?.[field], `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
    }
    // The cap per ticket counts what is there: 29 more fit, the 30th is refused as a whole.
    const fill = Array.from({ length: 20 }, (_, i) => `fill${i}`);
    assert.equal((await tag("agent", t.id, { add: fill })).status, 200);
    const tooMany = await tag("agent", t.id, { add: Array.from({ length: 10 }, (_, i) => `more${i}`) });
    assertError(tooMany, 400, "VALIDATION");
    assert.equal((await read("agent", t.id)).tags?.length, 21);
    const after = await read("agent", t.id);
    assert.equal(after.lastSeq, before.lastSeq + 1, "only the one valid change was recorded");
  });

  test("two agents tagging one ticket at once both keep every tag they added; each event says exactly what it changed", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Concurrent tagging" });
    const mine = Array.from({ length: 6 }, (_, i) => `agent-${i}`);
    const theirs = Array.from({ length: 6 }, (_, i) => `admin-${i}`);
    // The changes queue on the ticket's row lock; on a loaded machine the last
    // may outlive the transaction timeout and be answered 503 "too busy,
    // nothing was saved", which a client retries (the tag box and bulk bar do: apiFetch's `repeatable`).
    const tagRetrying = async (who: "agent" | "admin", ops: unknown) => {
      for (let attempt = 1; ; attempt++) {
        const res = await tag(who, t.id, ops);
        if (res.status !== 503 || attempt === 5) return res;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    };
    const results = await Promise.all([
      ...mine.map((name) => tagRetrying("agent", { add: [name, "shared"] })),
      ...theirs.map((name) => tagRetrying("admin", { add: [name, "shared"] })),
    ]);
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual((await read("agent", t.id)).tags, [...theirs, ...mine, "shared"].sort());
    const log = (await events("agent", t.id)).filter((e) => e.type === "ticket:updated");
    assert.equal(log.length, 12, "one event per request (a refused attempt recorded nothing)");
    const added = log.flatMap((e) => (e.type === "ticket:updated" ? (e.data.changes.tags?.added ?? []) : []));
    assert.equal(added.filter((x) => x === "shared").length, 1, "the tag both asked for was added once");
    assert.deepEqual([...added].sort(), [...theirs, ...mine, "shared"].sort());
    // Seqs are consecutive: the row lock serialized the changes.
    assert.deepEqual(log.map((e) => e.seq), log.map((_, i) => log[0]!.seq + i));
  });

  test("a field edit with the version read before a tag change still applies (tags are no conflict)", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Tags and versions" });
    const seen = await read("agent", t.id);
    await tag("admin", t.id, { add: ["in-between"] });
    const res = await api<TicketDTO>(url, cookies.agent, "PATCH", `/api/tickets/${t.id}`, { status: "IN_PROGRESS", version: seen.version });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.tags, ["in-between"]);
  });
});

describe("what a requester never sees", () => {
  test("no tags in reads, lists, searches or event pages, and the tags change moves no number they can read", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Secretly labelled" });
    const before = await read("alice", t.id);
    const secret = unique("angry-customer");
    assert.equal((await tag("agent", t.id, { add: [secret] })).status, 200);
    const after = await read("alice", t.id);
    assert.equal("tags" in after, false);
    assert.equal(after.lastSeq, before.lastSeq, "the requester's numbering did not move");
    assert.equal(after.updatedAt, before.updatedAt, "nor did the time they see");
    for (const res of [await list("alice", ""), await list("alice", "q=labelled")]) {
      assert.equal(res.status, 200);
      const row = res.body.items.find((x) => x.id === t.id);
      assert.ok(row, "the ticket is listed");
      assert.equal("tags" in row, false);
      assert.equal(JSON.stringify(res.body).includes(secret), false);
    }
    const log = await events("alice", t.id);
    assert.equal(JSON.stringify(log).includes(secret), false);
    assert.equal(log.some((e) => e.type === "ticket:updated" && "tags" in e.data.changes), false);
    // A public change after it: the snapshot the requester gets has no tags.
    await api(url, cookies.agent, "PATCH", `/api/tickets/${t.id}`, { priority: "HIGH" });
    const later = await events("alice", t.id);
    const update = later.at(-1)!;
    assert.equal(update.type, "ticket:updated");
    assert.equal(JSON.stringify(update).includes(secret), false);
    assert.equal(update.seq, before.lastSeq + 1, "gap-free in the requester's numbering");
    assert.ok((await events("agent", t.id)).some((e) => JSON.stringify(e).includes(secret)), "staff see it in the log");
  });

  test("live: staff sockets hear the tags change with its snapshot; the requester's sockets hear nothing", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Live tags" });
    const agent = await socketFor("agent");
    const alice = await socketFor("alice");
    assert.equal((await join(agent, { ticketId: t.id })).ok, true);
    assert.equal((await join(alice, { ticketId: t.id })).ok, true);
    const heardByAlice = collect(alice, "ticket:updated");
    const heard = nextEvent(agent, "ticket:updated", (e) => e.ticketId === t.id);
    await tag("admin", t.id, { add: ["live-one"] });
    const event = await heard;
    assert.deepEqual(event.data.changes.tags, { added: ["live-one"], removed: [] });
    assert.deepEqual(event.data.ticket.tags, ["live-one"]);
    // A public change after it reaches Alice (so the tags event had its chance), without tags.
    const aliceHears = nextEvent(alice, "ticket:updated", (e) => e.ticketId === t.id);
    await api(url, cookies.agent, "PATCH", `/api/tickets/${t.id}`, { priority: "LOW" });
    const publicEvent = await aliceHears;
    assert.equal("tags" in publicEvent.data.ticket, false);
    assert.equal(heardByAlice.length, 1, `only the public change: ${JSON.stringify(heardByAlice)}`);
    const rejoin = await join(alice, { ticketId: t.id, sinceSeq: 0 });
    assert.ok(rejoin.ok);
    assert.equal(JSON.stringify(rejoin).includes("live-one"), false, "nor in a catch-up");
  });
});

describe("filtering", () => {
  test("by tag in lists, searches, counts and saved views; tags in use with counts, by prefix", async () => {
    const label = unique("region-north");
    const a = await createTicket(url, cookies.alice, { title: "Heater broken north" });
    const b = await createTicket(url, cookies.bob, { title: "Heater broken south" });
    const c = await createTicket(url, cookies.bob, { title: "Door north" });
    await tag("agent", a.id, { add: [label] });
    await tag("agent", c.id, { add: [label] });
    const res = await list("agent", `tag=${encodeURIComponent(label.toUpperCase())}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.items.map((x) => x.id).sort(), [a.id, c.id].sort(), "normalized like the tag itself");
    const search = await list("agent", `tag=${label}&q=heater`);
    assert.deepEqual(search.body.items.map((x) => x.id), [a.id]);
    assert.equal((await list("agent", `tag=${label}&state=open`)).body.items.length, 2);
    assert.ok(!(await list("agent", `tag=${label}`)).body.items.some((x) => x.id === b.id));

    const saved = await api<{ id: string }>(url, cookies.agent, "POST", "/api/views", { name: unique("North"), filter: { tag: label } });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    const view = (await api<{ items: ViewDTO[] }>(url, cookies.agent, "GET", "/api/views")).body.items.find((v) => v.id === saved.body.id)!;
    assert.equal(view.count, 2);
    assert.deepEqual(view.filter, { tag: label });
    await tag("agent", c.id, { remove: [label] });
    const recount = (await api<{ items: ViewDTO[] }>(url, cookies.agent, "GET", "/api/views")).body.items.find((v) => v.id === saved.body.id)!;
    assert.equal(recount.count, 1);

    const tags = await api<{ items: TagDTO[] }>(url, cookies.agent, "GET", `/api/tags?prefix=${encodeURIComponent(label.slice(0, 12))}`);
    assert.deepEqual(tags.body.items.find((x) => x.name === label), { name: label, count: 1 });
    await tag("agent", a.id, { remove: [label] });
    const gone = await api<{ items: TagDTO[] }>(url, cookies.agent, "GET", `/api/tags?prefix=${encodeURIComponent(label)}`);
    assert.deepEqual(gone.body.items, [], "a tag on no ticket is not suggested");
    assertError(await list("agent", "tag=not%20valid!"), 400, "VALIDATION");
  });

  test("a prefix is literal: `_` and `%` in it are not wildcards", async () => {
    const base = unique("wild").replace(/-/g, "");
    const t = await createTicket(url, cookies.alice, { title: "Wildcards" });
    await tag("agent", t.id, { add: [`${base}_x`, `${base}ax`, `${base}.y`] });
    const names = async (prefix: string) =>
      (await api<{ items: TagDTO[] }>(url, cookies.agent, "GET", `/api/tags?prefix=${encodeURIComponent(prefix)}&limit=50`)).body.items.map((x) => x.name).sort();
    assert.deepEqual(await names(`${base}_`), [`${base}_x`]);
    assert.deepEqual(await names(`${base}`), [`${base}.y`, `${base}_x`, `${base}ax`].sort());
    assert.deepEqual(await names(`${base}%`), []);
    assert.deepEqual(await names("%"), []);
    assert.deepEqual(await names("_"), []);
  });
});
