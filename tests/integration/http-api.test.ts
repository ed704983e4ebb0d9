/**
 * The HTTP contract of /api/*, against the real server (production build) on
 * port 0 with a fresh DATA_DIR. MAX_UPLOAD_MB is 1 so the upload limit is
 * cheap to exceed.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import zlib from "node:zlib";
import type { ApiErrorBody, AttachmentDTO, CommentDTO, Page, TicketDTO } from "../../src/shared/dto";
import type { AnyTicketEvent } from "../../src/shared/realtime";
import { api, signIn, startServer, type TestServer } from "../helpers/server";
import { bytes, createTicket, listAll, listTree, streamingMultipart, whoAmI, type Me } from "./support";

let server: TestServer;
let url: string;
const cookies: Record<"admin" | "agent" | "alice" | "bob", string> = { admin: "", agent: "", alice: "", bob: "" };
const users = {} as Record<keyof typeof cookies, Me>;

before(async () => {
  server = await startServer({ env: { MAX_UPLOAD_MB: "1" } });
  url = server.url;
  for (const who of Object.keys(cookies) as (keyof typeof cookies)[]) {
    cookies[who] = await signIn(url, `${who}@example.com`);
    users[who] = await whoAmI(url, cookies[who]);
  }
});

after(async () => {
  assert.equal(await server?.stop(), 0, "graceful shutdown exits 0");
});

function assertErrorBody(body: unknown, code: string) {
  const b = body as ApiErrorBody;
  assert.equal(typeof b, "object", `expected a JSON error body, got ${JSON.stringify(body)}`);
  assert.equal(b.error?.code, code, JSON.stringify(body));
  assert.equal(typeof b.error.message, "string");
  assert.ok(b.error.message.length > 0);
}

/** A raw fetch with a cookie (for bodies `api()` cannot send). */
async function raw(method: string, pathname: string, cookie: string, init: RequestInit & { duplex?: "half" } = {}) {
  const res = await fetch(`${url}${pathname}`, { ...init, method, headers: { cookie, ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

describe("health and authentication", () => {
  test("GET /api/health is 200 {status: ok} without a session", async () => {
    const res = await api(url, undefined, "GET", "/api/health");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: "ok" });
  });

  test("anonymous GET and POST /api/tickets are 401 with the error shape", async () => {
    const get = await api(url, undefined, "GET", "/api/tickets");
    assert.equal(get.status, 401);
    assertErrorBody(get.body, "UNAUTHORIZED");
    const post = await api(url, undefined, "POST", "/api/tickets", { title: "Anonymous", description: "x" });
    assert.equal(post.status, 401);
    assertErrorBody(post.body, "UNAUTHORIZED");
    assert.ok(!(await listAll(url, cookies.admin)).some((t) => t.title === "Anonymous"));
  });

  test("every API endpoint but health is 401 without a session, and writes nothing", async () => {
    const ticket = await createTicket(url, cookies.alice, { title: "Probed anonymously" });
    const calls: Array<[string, string, unknown?]> = [
      ["GET", `/api/tickets/${ticket.id}`],
      ["PATCH", `/api/tickets/${ticket.id}`, { status: "CLOSED" }],
      ["GET", `/api/tickets/${ticket.id}/comments`],
      ["POST", `/api/tickets/${ticket.id}/comments`, { body: "anonymous" }],
      ["GET", `/api/tickets/${ticket.id}/attachments`],
      ["POST", `/api/tickets/${ticket.id}/attachments`, {}],
      ["GET", `/api/tickets/${ticket.id}/events`],
      ["GET", "/api/users/staff"],
      ["GET", "/api/notifications"],
      ["POST", "/api/notifications/read", { all: true }],
      ["GET", "/api/notifications/settings"],
      ["PUT", "/api/notifications/settings", { mention: false }],
    ];
    for (const [method, pathname, body] of calls) {
      const res = await api(url, undefined, method, pathname, body);
      assert.equal(res.status, 401, `${method} ${pathname}`);
      assertErrorBody(res.body, "UNAUTHORIZED");
    }
    const now = await api<TicketDTO>(url, cookies.alice, "GET", `/api/tickets/${ticket.id}`);
    assert.deepEqual(now.body, ticket, "unchanged");
  });

  test("a garbage session cookie is 401", async () => {
    const res = await api(url, "next-auth.session-token=not-a-jwt", "GET", "/api/tickets");
    assert.equal(res.status, 401);
    assertErrorBody(res.body, "UNAUTHORIZED");
  });

  test("a wrong password yields no session cookie", async () => {
    await assert.rejects(signIn(url, "alice@example.com", "wrong-password"), /sign-in failed/);
    await assert.rejects(signIn(url, "nobody@example.com", "password"), /sign-in failed/);
  });

  test("the session endpoint reports the signed-in user and role", () => {
    assert.equal(users.alice.email, "alice@example.com");
    assert.equal(users.agent.role, "AGENT");
    assert.equal(users.admin.role, "ADMIN");
    assert.notEqual(users.alice.id, users.bob.id);
  });
});

describe("compression", () => {
  /** A GET with `accept-encoding`, through node:http (fetch would decode the body and hide how it came). */
  function rawGet(pathname: string, cookie: string, acceptEncoding?: string) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = http.get(`${url}${pathname}`, { headers: { cookie, ...(acceptEncoding ? { "accept-encoding": acceptEncoding } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
    });
  }

  test("an API answer above 1 KB comes compressed in the encoding asked for, and whole without one; a small one as it is", async () => {
    const list = await rawGet("/api/tickets?limit=50", cookies.agent);
    assert.equal(list.status, 200);
    assert.equal(list.headers["content-encoding"], undefined);
    assert.ok(list.body.length > 1024, `a list of ${list.body.length} bytes`);
    const items = (JSON.parse(list.body.toString("utf8")) as Page<TicketDTO>).items;

    const gzipped = await rawGet("/api/tickets?limit=50", cookies.agent, "gzip");
    assert.equal(gzipped.headers["content-encoding"], "gzip");
    assert.match(String(gzipped.headers.vary), /accept-encoding/i);
    assert.ok(gzipped.body.length < list.body.length, "smaller");
    assert.deepEqual((JSON.parse(zlib.gunzipSync(gzipped.body).toString("utf8")) as Page<TicketDTO>).items, items);

    const brotli = await rawGet("/api/tickets?limit=50", cookies.agent, "gzip, deflate, br");
    assert.equal(brotli.headers["content-encoding"], "br");
    assert.deepEqual((JSON.parse(zlib.brotliDecompressSync(brotli.body).toString("utf8")) as Page<TicketDTO>).items, items);

    const health = await rawGet("/api/health", "", "gzip");
    assert.equal(health.headers["content-encoding"], undefined, "15 bytes go as they are");
    assert.equal(health.headers["content-length"], String(health.body.length));
    assert.deepEqual(JSON.parse(health.body.toString("utf8")), { status: "ok" });
  });
});

describe("POST /api/tickets", () => {
  test("a valid body creates an OPEN, MEDIUM ticket owned by the caller", async () => {
    const res = await api<TicketDTO>(url, cookies.alice, "POST", "/api/tickets", {
      title: "  Printer on fire  ",
      description: "Smoke everywhere.",
    });
    assert.equal(res.status, 201);
    const t = res.body;
    assert.equal(typeof t.id, "string");
    assert.ok(Number.isInteger(t.number) && t.number > 0);
    assert.equal(t.title, "Printer on fire", "title is trimmed");
    assert.equal(t.status, "OPEN");
    assert.equal(t.priority, "MEDIUM");
    assert.deepEqual(t.requester, { id: users.alice.id, name: users.alice.name });
    assert.equal(t.assignee, null);
    assert.equal(t.version, 1);
    assert.equal(t.lastSeq, 1, "the ticket:created event is seq 1");

    // URGENT is not among the priorities requesters may choose by default (Settings); staff choose any.
    const explicit = await createTicket(url, cookies.agent, { title: "Urgent thing", priority: "URGENT" });
    assert.equal(explicit.priority, "URGENT");
    assert.ok(explicit.number > t.number, "numbers increase");
  });

  test("invalid bodies are refused with field errors and write nothing", async () => {
    const before = (await listAll(url, cookies.admin)).length;
    const cases: Array<{ body: unknown; field: string }> = [
      { body: { description: "no title" }, field: "title" },
      { body: { title: "ab", description: "too short" }, field: "title" },
      { body: { title: "   a   ", description: "trimmed to one character" }, field: "title" },
      { body: { title: "Bad priority", description: "x", priority: "CRITICAL" }, field: "priority" },
      { body: { title: "No description" }, field: "description" },
      { body: { title: "x".repeat(201), description: "x" }, field: "title" },
      // PostgreSQL cannot store NUL: a clear 400, not a database error.
      { body: { title: "Null\u0000byte", description: "x" }, field: "title" },
      { body: { title: "Null byte", description: "a\u0000b" }, field: "description" },
    ];
    for (const c of cases) {
      const res = await api<ApiErrorBody>(url, cookies.alice, "POST", "/api/tickets", c.body);
      assert.equal(res.status, 400, JSON.stringify(c.body));
      assertErrorBody(res.body, "VALIDATION");
      assert.ok(res.body.error.fields?.[c.field]?.length, `fields.${c.field} for ${JSON.stringify(c.body)}: ${JSON.stringify(res.body)}`);
    }

    const notJson = await raw("POST", "/api/tickets", cookies.alice, {
      headers: { "content-type": "application/json" },
      body: "{ title: 'not json'",
    });
    assert.equal(notJson.status, 400);
    assertErrorBody(notJson.body, "VALIDATION");

    const wrongType = await raw("POST", "/api/tickets", cookies.alice, {
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ title: "Plain text", description: "x" }),
    });
    assert.equal(wrongType.status, 415);
    assertErrorBody(wrongType.body, "UNSUPPORTED_MEDIA_TYPE");

    const form = await raw("POST", "/api/tickets", cookies.alice, {
      body: new URLSearchParams({ title: "Form post", description: "x" }),
    });
    assert.equal(form.status, 415);

    assert.equal((await listAll(url, cookies.admin)).length, before, "ticket count unchanged");
  });
});

describe("GET /api/tickets", () => {
  // Five tickets of alice's, all carrying `tag` so queries can be scoped to them.
  const tag = `tag${randomBytes(4).toString("hex")}`;
  const t: TicketDTO[] = [];
  let bobs: TicketDTO;

  before(async () => {
    const priorities = ["LOW", "HIGH", "URGENT", "MEDIUM", "MEDIUM"];
    for (const [i, priority] of priorities.entries()) {
      t.push(await createTicket(url, cookies.alice, { title: `List ${tag} ${i}`, priority: priority === "URGENT" ? "HIGH" : priority }));
    }
    // Requesters may not choose URGENT by default: staff raise t[2] to it.
    const raised = await api<TicketDTO>(url, cookies.agent, "PATCH", `/api/tickets/${t[2]!.id}`, { priority: "URGENT" });
    assert.equal(raised.status, 200, JSON.stringify(raised.body));
    t[2] = raised.body;
    bobs = await createTicket(url, cookies.bob, { title: `Bob's ${tag}` });
    // t[1]: in progress, assigned to the agent; t[2]: assigned to the admin.
    const a = await api<TicketDTO>(url, cookies.agent, "PATCH", `/api/tickets/${t[1]!.id}`, {
      status: "IN_PROGRESS",
      assigneeId: users.agent.id,
    });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const b = await api<TicketDTO>(url, cookies.agent, "PATCH", `/api/tickets/${t[2]!.id}`, { assigneeId: users.admin.id });
    assert.equal(b.status, 200, JSON.stringify(b.body));
  });

  async function ids(cookie: string, query: Record<string, string>) {
    const res = await api<Page<TicketDTO>>(url, cookie, "GET", `/api/tickets?${new URLSearchParams({ limit: "100", ...query })}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.map((x) => x.id);
  }

  test("a requester sees only their own tickets; staff see everyone's", async () => {
    const alices = await listAll(url, cookies.alice);
    assert.ok(alices.length >= 5);
    assert.ok(alices.every((x) => x.requester.id === users.alice.id), "only alice's tickets");
    const bobList = await listAll(url, cookies.bob);
    assert.ok(bobList.some((x) => x.id === bobs.id));
    assert.ok(bobList.every((x) => x.requester.id === users.bob.id), "only bob's tickets");

    for (const staff of [cookies.agent, cookies.admin]) {
      const all = await listAll(url, staff);
      const requesters = new Set(all.map((x) => x.requester.id));
      assert.ok(requesters.has(users.alice.id) && requesters.has(users.bob.id));
      assert.equal(all.length, new Set(all.map((x) => x.id)).size);
      assert.ok(all.length >= alices.length + bobList.length);
    }
  });

  test("q matches title text, scoped to what the caller may see", async () => {
    assert.deepEqual(new Set(await ids(cookies.alice, { q: tag })), new Set(t.map((x) => x.id)));
    assert.deepEqual(new Set(await ids(cookies.agent, { q: tag.toUpperCase() })), new Set([...t, bobs].map((x) => x.id)));
    assert.deepEqual(await ids(cookies.bob, { q: `List ${tag}` }), []);
  });

  test('q "#<number>" finds the ticket by number', async () => {
    const found = await ids(cookies.agent, { q: `#${t[3]!.number}` });
    assert.ok(found.includes(t[3]!.id), `#${t[3]!.number} → ${found}`);
    for (const other of [t[0], t[1], t[2], t[4], bobs]) assert.ok(!found.includes(other!.id));
    assert.deepEqual(await ids(cookies.bob, { q: `#${t[3]!.number}` }), [], "bob cannot find alice's by number");
  });

  test("filters: status, priority, assignee me/none/<id>", async () => {
    assert.deepEqual(await ids(cookies.agent, { q: tag, status: "IN_PROGRESS" }), [t[1]!.id]);
    assert.deepEqual(new Set(await ids(cookies.agent, { q: tag, status: "OPEN" })), new Set([t[0], t[2], t[3], t[4], bobs].map((x) => x!.id)));
    assert.deepEqual(await ids(cookies.agent, { q: tag, priority: "LOW" }), [t[0]!.id]);
    assert.deepEqual(await ids(cookies.agent, { q: tag, priority: "URGENT" }), [t[2]!.id]);
    assert.deepEqual(await ids(cookies.agent, { q: tag, assignee: "me" }), [t[1]!.id]);
    assert.deepEqual(await ids(cookies.admin, { q: tag, assignee: "me" }), [t[2]!.id]);
    assert.deepEqual(await ids(cookies.agent, { q: tag, assignee: users.admin.id }), [t[2]!.id]);
    assert.deepEqual(
      new Set(await ids(cookies.agent, { q: tag, assignee: "none" })),
      new Set([t[0], t[3], t[4], bobs].map((x) => x!.id)),
    );
    assert.deepEqual(await ids(cookies.agent, { q: tag, status: "IN_PROGRESS", priority: "LOW" }), [], "filters combine");
  });

  test("invalid filter values are 400", async () => {
    for (const query of ["status=NOPE", "priority=NOPE", "sort=sideways", "limit=0", "limit=101", "limit=abc", "q=%00", "assignee=a%00b"]) {
      const res = await api(url, cookies.agent, "GET", `/api/tickets?${query}`);
      assert.equal(res.status, 400, query);
      assertErrorBody(res.body, "VALIDATION");
    }
  });

  test("sort created_asc is created_desc reversed, both ordered by creation", async () => {
    const get = async (sort: string) =>
      (await api<Page<TicketDTO>>(url, cookies.alice, "GET", `/api/tickets?q=${tag}&sort=${sort}`)).body.items;
    const asc = await get("created_asc");
    const desc = await get("created_desc");
    assert.equal(asc.length, 5);
    assert.deepEqual(asc.map((x) => x.id), t.map((x) => x.id), "oldest first");
    assert.deepEqual(desc.map((x) => x.id), [...asc].reverse().map((x) => x.id));
    const times = asc.map((x) => Date.parse(x.createdAt));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
  });

  test("cursor pagination with limit=2 walks every page without duplicates", async () => {
    for (const sort of ["created_desc", "created_asc", "updated_desc"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const qs: URLSearchParams = new URLSearchParams({ q: tag, sort, limit: "2", ...(cursor ? { cursor } : {}) });
        const res: { status: number; body: Page<TicketDTO> } = await api<Page<TicketDTO>>(url, cookies.alice, "GET", `/api/tickets?${qs}`);
        assert.equal(res.status, 200);
        assert.ok(res.body.items.length <= 2);
        seen.push(...res.body.items.map((x) => x.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      assert.equal(pages, 3, `${sort}: 5 tickets in pages of 2`);
      assert.equal(seen.length, 5, `${sort}: ${seen}`);
      assert.equal(new Set(seen).size, 5, `${sort}: no duplicates`);
      assert.deepEqual(new Set(seen), new Set(t.map((x) => x.id)));
    }
  });

  test("an invalid cursor is 400", async () => {
    for (const cursor of [
      "garbage!",
      Buffer.from('{"v":"not a date","id":"x"}').toString("base64url"),
      // Parses as a JavaScript date, but is out of PostgreSQL's timestamp range.
      Buffer.from('{"v":"-271821-04-20T00:00:00.000Z","id":"x"}').toString("base64url"),
      Buffer.from('{"v":"2026-01-01T00:00:00.000Z","id":"x\u0000"}').toString("base64url"),
    ]) {
      const res = await api<ApiErrorBody>(url, cookies.alice, "GET", `/api/tickets?cursor=${encodeURIComponent(cursor)}`);
      assert.equal(res.status, 400, cursor);
      assertErrorBody(res.body, "VALIDATION");
    }
  });
});

describe("GET /api/tickets/:id", () => {
  test("own is 200; another requester's and unknown ids are 404", async () => {
    const mine = await createTicket(url, cookies.alice, { title: "Visible to me" });
    const own = await api<TicketDTO>(url, cookies.alice, "GET", `/api/tickets/${mine.id}`);
    assert.equal(own.status, 200);
    assert.equal(own.body.id, mine.id);
    assert.equal(own.body.title, "Visible to me");

    const other = await api(url, cookies.bob, "GET", `/api/tickets/${mine.id}`);
    assert.equal(other.status, 404);
    assertErrorBody(other.body, "NOT_FOUND");

    const unknown = await api(url, cookies.agent, "GET", "/api/tickets/does-not-exist");
    assert.equal(unknown.status, 404);
    assertErrorBody(unknown.body, "NOT_FOUND");
    for (const bad of ["%00", "a%00b", "%E2%98%83", "x".repeat(65)]) {
      for (const pathname of [`/api/tickets/${bad}`, `/api/tickets/${bad}/comments`, `/api/tickets/${bad}/events`, `/api/attachments/${bad}`]) {
        const res = await api(url, cookies.agent, "GET", pathname);
        assert.equal(res.status, 404, pathname);
        assertErrorBody(res.body, "NOT_FOUND");
      }
    }

    assert.equal((await api(url, cookies.agent, "GET", `/api/tickets/${mine.id}`)).status, 200, "staff may read it");
  });
});

describe("PATCH /api/tickets/:id", () => {
  let ticket: TicketDTO;
  before(async () => {
    ticket = await createTicket(url, cookies.alice, { title: "To be patched" });
  });

  async function current() {
    return (await api<TicketDTO>(url, cookies.agent, "GET", `/api/tickets/${ticket.id}`)).body;
  }

  test("a requester's reply reopens their Waiting, Resolved or Closed ticket (an event, back in the open queue); staff replies and notes reopen nothing", async () => {
    for (const status of ["WAITING", "RESOLVED", "CLOSED"] as const) {
      const own = await createTicket(url, cookies.alice, { title: `Reopened from ${status}` });
      assert.equal((await api(url, cookies.agent, "PATCH", `/api/tickets/${own.id}`, { status })).status, 200);
      // Staff writing on it leaves it as it is.
      assert.equal((await api(url, cookies.agent, "POST", `/api/tickets/${own.id}/comments`, { body: "A staff reply" })).status, 201);
      assert.equal((await api(url, cookies.agent, "POST", `/api/tickets/${own.id}/comments`, { body: "A note", internal: true })).status, 201);
      assert.equal((await api<TicketDTO>(url, cookies.agent, "GET", `/api/tickets/${own.id}`)).body.status, status);
      // The requester's "it is still broken" reopens it.
      assert.equal((await api(url, cookies.alice, "POST", `/api/tickets/${own.id}/comments`, { body: "Still broken!" })).status, 201);
      const now = await api<TicketDTO>(url, cookies.agent, "GET", `/api/tickets/${own.id}`);
      assert.equal(now.body.status, "OPEN", status);
      const events = await api<{ items: AnyTicketEvent[] }>(url, cookies.agent, "GET", `/api/tickets/${own.id}/events`);
      const last = events.body.items.at(-1)!;
      assert.equal(last.type, "ticket:updated");
      assert.deepEqual(last.type === "ticket:updated" && last.data.changes.status, { from: status, to: "OPEN" });
      const queue = await api<Page<TicketDTO>>(url, cookies.agent, "GET", "/api/tickets?state=open&limit=100");
      assert.ok(queue.body.items.some((t) => t.id === own.id), `reopened from ${status}: in the open queue`);
    }
  });

  test("a requester may not change workflow fields (closing and reopening their own: see users.test.ts)", async () => {
    for (const body of [{ status: "IN_PROGRESS" }, { status: "RESOLVED" }, { priority: "URGENT" }, { assigneeId: users.agent.id }]) {
      const res = await api(url, cookies.alice, "PATCH", `/api/tickets/${ticket.id}`, body);
      assert.equal(res.status, 403, JSON.stringify(body));
      assertErrorBody(res.body, "FORBIDDEN");
    }
    const now = await current();
    assert.equal(now.status, "OPEN");
    assert.equal(now.priority, "MEDIUM");
    assert.equal(now.assignee, null);
    assert.equal(now.version, 1);
  });

  test("a requester may retitle their own ticket, but not another's", async () => {
    const res = await api<TicketDTO>(url, cookies.alice, "PATCH", `/api/tickets/${ticket.id}`, { title: "Patched by alice" });
    assert.equal(res.status, 200);
    assert.equal(res.body.title, "Patched by alice");
    assert.equal(res.body.version, 2);
    const bob = await api(url, cookies.bob, "PATCH", `/api/tickets/${ticket.id}`, { title: "Hijacked" });
    assert.equal(bob.status, 404);
    assert.equal((await current()).title, "Patched by alice");
  });

  test("an agent changes status, priority and assignee; version goes up by one", async () => {
    const before = await current();
    const res = await api<TicketDTO>(url, cookies.agent, "PATCH", `/api/tickets/${ticket.id}`, {
      status: "IN_PROGRESS",
      priority: "HIGH",
      assigneeId: users.agent.id,
      version: before.version,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "IN_PROGRESS");
    assert.equal(res.body.priority, "HIGH");
    assert.deepEqual(res.body.assignee, { id: users.agent.id, name: users.agent.name });
    assert.equal(res.body.version, before.version + 1);
    assert.equal(res.body.lastSeq, before.lastSeq + 1, "one change, one event");
    assert.deepEqual(await current(), res.body);

    const unassign = await api<TicketDTO>(url, cookies.admin, "PATCH", `/api/tickets/${ticket.id}`, { assigneeId: null });
    assert.equal(unassign.status, 200);
    assert.equal(unassign.body.assignee, null);
    assert.equal(unassign.body.version, before.version + 2);
  });

  test("assigning to a requester (or nobody real) is 400", async () => {
    const before = await current();
    for (const assigneeId of [users.bob.id, users.alice.id, "no-such-user"]) {
      const res = await api<ApiErrorBody>(url, cookies.agent, "PATCH", `/api/tickets/${ticket.id}`, { assigneeId });
      assert.equal(res.status, 400, assigneeId);
      assertErrorBody(res.body, "VALIDATION");
      assert.ok(res.body.error.fields?.assigneeId);
    }
    assert.deepEqual(await current(), before);
  });

  test("a stale version is 409 and changes nothing", async () => {
    const before = await current();
    const res = await api(url, cookies.agent, "PATCH", `/api/tickets/${ticket.id}`, {
      status: "RESOLVED",
      version: before.version - 1,
    });
    assert.equal(res.status, 409);
    assertErrorBody(res.body, "CONFLICT");
    assert.deepEqual(await current(), before);
  });

  test("two changes racing on one version: one wins, the other is 409", async () => {
    const before = await current();
    const results = await Promise.all(
      (["WAITING", "RESOLVED"] as const).map((status) =>
        api<TicketDTO>(url, cookies.agent, "PATCH", `/api/tickets/${ticket.id}`, { status, version: before.version }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
    const winner = results.find((r) => r.status === 200)!.body;
    assert.equal(winner.version, before.version + 1);
    assert.deepEqual(await current(), winner, "only the winner's change was written");
  });

  test("changes without a version never conflict: racing ones all apply", async () => {
    const before = await current();
    const results = await Promise.all([
      api<TicketDTO>(url, cookies.agent, "PATCH", `/api/tickets/${ticket.id}`, { priority: "URGENT" }),
      // CLOSED: unlike the statuses of the race above, sure to be a change.
      api<TicketDTO>(url, cookies.admin, "PATCH", `/api/tickets/${ticket.id}`, { status: "CLOSED" }),
      api<TicketDTO>(url, cookies.alice, "PATCH", `/api/tickets/${ticket.id}`, { title: "Raced title" }),
    ]);
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200], JSON.stringify(results.map((r) => r.body)));
    const now = await current();
    assert.equal(now.priority, "URGENT");
    assert.equal(now.status, "CLOSED");
    assert.equal(now.title, "Raced title");
    assert.equal(now.version, before.version + 3);
    assert.equal(now.lastSeq, before.lastSeq + 3, "one event each");
  });

  test("NUL characters are 400 and change nothing", async () => {
    const before = await current();
    for (const body of [{ title: "Bad\u0000title" }, { assigneeId: "a\u0000b" }]) {
      const res = await api(url, cookies.agent, "PATCH", `/api/tickets/${ticket.id}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assertErrorBody(res.body, "VALIDATION");
    }
    assert.deepEqual(await current(), before);
  });

  test("unknown fields and empty bodies are 400", async () => {
    const before = await current();
    for (const body of [{ foo: 1 }, { status: "RESOLVED", requesterId: users.bob.id }, {}, { version: before.version }, { status: "DONE" }]) {
      const res = await api(url, cookies.agent, "PATCH", `/api/tickets/${ticket.id}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assertErrorBody(res.body, "VALIDATION");
    }
    assert.deepEqual(await current(), before);
  });

  test("PATCH of an unknown ticket is 404", async () => {
    const res = await api(url, cookies.agent, "PATCH", "/api/tickets/nope", { status: "CLOSED" });
    assert.equal(res.status, 404);
  });
});

describe("comments", () => {
  let ticket: TicketDTO;
  before(async () => {
    ticket = await createTicket(url, cookies.alice, { title: "Conversation" });
  });
  const list = async (cookie: string) =>
    (await api<{ items: CommentDTO[] }>(url, cookie, "GET", `/api/tickets/${ticket.id}/comments`)).body.items;

  test("public comments and internal notes are written", async () => {
    const pub = await api<CommentDTO>(url, cookies.alice, "POST", `/api/tickets/${ticket.id}/comments`, { body: "Any news?" });
    assert.equal(pub.status, 201);
    assert.equal(pub.body.body, "Any news?");
    assert.equal(pub.body.internal, false);
    assert.equal(pub.body.ticketId, ticket.id);
    assert.deepEqual(pub.body.author, { id: users.alice.id, name: users.alice.name, role: "REQUESTER" });

    const note = await api<CommentDTO>(url, cookies.agent, "POST", `/api/tickets/${ticket.id}/comments`, {
      body: "Customer is impatient",
      internal: true,
    });
    assert.equal(note.status, 201);
    assert.equal(note.body.internal, true);
    assert.equal(note.body.author.role, "AGENT");
  });

  test("a requester cannot post an internal note; nothing is written", async () => {
    const before = await list(cookies.agent);
    const res = await api(url, cookies.alice, "POST", `/api/tickets/${ticket.id}/comments`, { body: "sneaky", internal: true });
    assert.equal(res.status, 403);
    assertErrorBody(res.body, "FORBIDDEN");
    const afterList = await list(cookies.agent);
    assert.deepEqual(afterList, before);
    assert.ok(!afterList.some((c) => c.body === "sneaky"));
  });

  test("an internal note leaves no trace a requester can see: updatedAt stays put", async () => {
    const before = await api<TicketDTO>(url, cookies.alice, "GET", `/api/tickets/${ticket.id}`);
    const note = await api(url, cookies.agent, "POST", `/api/tickets/${ticket.id}/comments`, { body: "Quiet note", internal: true });
    assert.equal(note.status, 201);
    const after = await api<TicketDTO>(url, cookies.alice, "GET", `/api/tickets/${ticket.id}`);
    assert.equal(after.body.updatedAt, before.body.updatedAt);
    const pub = await api(url, cookies.agent, "POST", `/api/tickets/${ticket.id}/comments`, { body: "Visible reply" });
    assert.equal(pub.status, 201);
    const later = await api<TicketDTO>(url, cookies.alice, "GET", `/api/tickets/${ticket.id}`);
    assert.ok(later.body.updatedAt > before.body.updatedAt, "a public comment does count as activity");
  });

  test("the requester's list excludes internal notes; the agent's includes them", async () => {
    const mine = await list(cookies.alice);
    const staff = await list(cookies.agent);
    assert.deepEqual(mine.map((c) => c.body), ["Any news?", "Visible reply"]);
    assert.deepEqual(staff.map((c) => c.body), ["Any news?", "Customer is impatient", "Quiet note", "Visible reply"]);
    assert.ok(mine.every((c) => !c.internal));
  });

  test("an empty body is 400", async () => {
    for (const body of [{ body: "" }, { body: "   " }, {}, { body: "x", internal: "yes" }, { body: "nul\u0000" }]) {
      const res = await api<ApiErrorBody>(url, cookies.alice, "POST", `/api/tickets/${ticket.id}/comments`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assertErrorBody(res.body, "VALIDATION");
      assert.ok(res.body.error.fields, JSON.stringify(res.body));
    }
    assert.equal((await list(cookies.agent)).length, 4);
  });

  test("another requester gets 404 for both reading and posting", async () => {
    const get = await api(url, cookies.bob, "GET", `/api/tickets/${ticket.id}/comments`);
    assert.equal(get.status, 404);
    const post = await api(url, cookies.bob, "POST", `/api/tickets/${ticket.id}/comments`, { body: "me too" });
    assert.equal(post.status, 404);
    assertErrorBody(post.body, "NOT_FOUND");
    assert.equal((await list(cookies.agent)).length, 4);
  });
});

describe("attachments", () => {
  let ticket: TicketDTO;
  const content = Buffer.concat([Buffer.from("hello, attachment\n"), randomBytes(4096), Buffer.from([0, 255, 10, 13])]);
  let uploaded: AttachmentDTO;
  const uploadsDir = () => path.join(server.dataDir, "uploads");

  before(async () => {
    ticket = await createTicket(url, cookies.alice, { title: "With files" });
  });

  const listAttachments = async (cookie = cookies.alice) =>
    (await api<{ items: AttachmentDTO[] }>(url, cookie, "GET", `/api/tickets/${ticket.id}/attachments`)).body.items;

  function upload(cookie: string, form: FormData, ticketId = ticket.id) {
    return raw("POST", `/api/tickets/${ticketId}/attachments`, cookie, { body: form });
  }

  /** Stored blobs: the uploads dir minus its (empty) tmp dir. */
  function assertNoStrayFiles(expectedBlobs: number) {
    const tree = listTree(uploadsDir());
    const tmp = tree.filter((p) => p.startsWith("tmp/") && p !== "tmp/");
    assert.deepEqual(tmp, [], "tmp/ is empty");
    const blobs = tree.filter((p) => !p.startsWith("tmp"));
    assert.equal(blobs.length, expectedBlobs, `blobs: ${blobs}`);
  }

  test("multipart upload stores the file and returns its metadata", async () => {
    const form = new FormData();
    form.append("file", new Blob([content], { type: "text/plain" }), "notes.txt");
    const res = await upload(cookies.alice, form);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    uploaded = res.body as AttachmentDTO;
    assert.equal(uploaded.originalName, "notes.txt");
    assert.equal(uploaded.size, content.length);
    assert.equal(uploaded.contentType, "text/plain");
    assert.equal(uploaded.ticketId, ticket.id);
    assert.deepEqual(uploaded.uploader, { id: users.alice.id, name: users.alice.name });
    assert.equal(uploaded.url, `/api/attachments/${uploaded.id}`);
    assert.deepEqual((await listAttachments()).map((a) => a.id), [uploaded.id]);
    assertNoStrayFiles(1);
  });

  test("download returns exactly the bytes, as an attachment, nosniff", async () => {
    for (const cookie of [cookies.alice, cookies.agent]) {
      const res = await fetch(`${url}${uploaded.url}`, { headers: { cookie } });
      assert.equal(res.status, 200);
      const body = Buffer.from(await res.arrayBuffer());
      assert.ok(body.equals(content), "same bytes");
      assert.match(res.headers.get("content-disposition") ?? "", /^attachment;/);
      assert.match(res.headers.get("content-disposition") ?? "", /notes\.txt/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("content-type"), "text/plain");
    }
  });

  test("another requester gets 404 for download, list and upload", async () => {
    const dl = await raw("GET", uploaded.url, cookies.bob);
    assert.equal(dl.status, 404);
    assertErrorBody(dl.body, "NOT_FOUND");
    assert.equal((await raw("GET", `/api/tickets/${ticket.id}/attachments`, cookies.bob)).status, 404);
    const form = new FormData();
    form.append("file", new Blob(["bob's"]), "bob.txt");
    assert.equal((await upload(cookies.bob, form)).status, 404);
    assert.equal((await raw("GET", "/api/attachments/unknown-id", cookies.alice)).status, 404);
    assert.equal((await raw("GET", uploaded.url, "")).status, 401);
    assertNoStrayFiles(1);
  });

  test("an upload over MAX_UPLOAD_MB (with Content-Length) is 413 and leaves nothing behind", async () => {
    const form = new FormData();
    form.append("file", new Blob([Buffer.alloc(1.5 * 1024 * 1024, 1)]), "big.bin");
    const res = await upload(cookies.alice, form);
    assert.equal(res.status, 413);
    assertErrorBody(res.body, "PAYLOAD_TOO_LARGE");
    assert.deepEqual((await listAttachments()).map((a) => a.id), [uploaded.id]);
    assertNoStrayFiles(1);
  });

  test("a chunked upload over the limit (no Content-Length) is 413 and leaves nothing behind", async () => {
    const { headers, body } = streamingMultipart("stream.bin", bytes(1.5 * 1024 * 1024));
    const res = await raw("POST", `/api/tickets/${ticket.id}/attachments`, cookies.alice, { headers, body, duplex: "half" });
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.headers.get("connection"), "close", "the unread rest of the body must not poison a reused connection");
    assertErrorBody(res.body, "PAYLOAD_TOO_LARGE");
    assert.deepEqual((await listAttachments()).map((a) => a.id), [uploaded.id]);
    assertNoStrayFiles(1);
  });

  test("an upload far over the limit is refused once it crosses it, not after it was all sent", async (t) => {
    const total = 256 * 1024 * 1024;
    let sent = 0;
    async function* counted() {
      for await (const chunk of bytes(total)) {
        sent += chunk.length;
        yield chunk;
      }
    }
    const { headers, body } = streamingMultipart("huge.bin", counted());
    const res = await raw("POST", `/api/tickets/${ticket.id}/attachments`, cookies.alice, { headers, body, duplex: "half" }).catch(
      // The server may close the connection while the client is still sending.
      (e: Error) => ({ status: 0, body: e.message, headers: new Headers() }),
    );
    t.diagnostic(`answer: ${res.status || res.body}; sent ${sent} bytes before the server stopped reading`);
    if (res.status !== 0) assert.equal(res.status, 413, JSON.stringify(res.body));
    // 1 MB limit; what else was sent sat in socket buffers when the server stopped reading.
    assert.ok(sent < total / 4, `the client got to send ${sent} of ${total} bytes`);
    assert.deepEqual((await listAttachments()).map((a) => a.id), [uploaded.id]);
    assertNoStrayFiles(1);
  });

  test("a chunked upload under the limit succeeds", async () => {
    const { headers, body } = streamingMultipart("small-stream.bin", bytes(200 * 1024, 16 * 1024));
    const res = await raw("POST", `/api/tickets/${ticket.id}/attachments`, cookies.alice, { headers, body, duplex: "half" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((res.body as AttachmentDTO).size, 200 * 1024);
    assert.equal((await listAttachments()).length, 2);
    assertNoStrayFiles(2);
  });

  test("no `file` field is 400; JSON instead of multipart is 415", async () => {
    const form = new FormData();
    form.append("note", "just text");
    const none = await upload(cookies.alice, form);
    assert.equal(none.status, 400);
    assertErrorBody(none.body, "VALIDATION");
    assert.ok((none.body as ApiErrorBody).error.fields?.file);

    const empty = new FormData();
    empty.append("file", new Blob([]), "empty.txt");
    assert.equal((await upload(cookies.alice, empty)).status, 400, "an empty file is refused");

    const json = await api(url, cookies.alice, "POST", `/api/tickets/${ticket.id}/attachments`, { file: "aGVsbG8=" });
    assert.equal(json.status, 415);
    assertErrorBody(json.body, "UNSUPPORTED_MEDIA_TYPE");
    assert.equal((await listAttachments()).length, 2);
    assertNoStrayFiles(2);
  });

  test("a file of exactly MAX_UPLOAD_MB is accepted; one byte more is 413", async () => {
    const limit = 1024 * 1024;
    const exact = streamingMultipart("exact.bin", bytes(limit));
    const ok = await raw("POST", `/api/tickets/${ticket.id}/attachments`, cookies.alice, { ...exact, duplex: "half" });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((ok.body as AttachmentDTO).size, limit);
    const over = streamingMultipart("over.bin", bytes(limit + 1));
    const refused = await raw("POST", `/api/tickets/${ticket.id}/attachments`, cookies.alice, { ...over, duplex: "half" });
    assert.equal(refused.status, 413, JSON.stringify(refused.body));
    assert.equal((await listAttachments()).length, 3);
    assertNoStrayFiles(3);
  });
});

describe("GET /api/tickets/:id/events", () => {
  test("events come in seq order 1..n; the requester's view has no internal events and no gap", async () => {
    const ticket = await createTicket(url, cookies.alice, { title: "Eventful" });
    await api(url, cookies.alice, "POST", `/api/tickets/${ticket.id}/comments`, { body: "first" });
    await api(url, cookies.agent, "POST", `/api/tickets/${ticket.id}/comments`, { body: "secret", internal: true });
    await api(url, cookies.agent, "PATCH", `/api/tickets/${ticket.id}`, { status: "WAITING" });
    const form = new FormData();
    form.append("file", new Blob(["log"]), "log.txt");
    assert.equal((await raw("POST", `/api/tickets/${ticket.id}/attachments`, cookies.agent, { body: form })).status, 201);

    type Events = { seq: number; items: AnyTicketEvent[]; truncated: boolean };
    const staff = await api<Events>(url, cookies.agent, "GET", `/api/tickets/${ticket.id}/events?after=0`);
    assert.equal(staff.status, 200);
    assert.deepEqual(staff.body.items.map((e) => e.seq), [1, 2, 3, 4, 5]);
    assert.deepEqual(staff.body.items.map((e) => e.type), [
      "ticket:created",
      "comment:added",
      "comment:added",
      "ticket:updated",
      "attachment:added",
    ]);
    assert.equal(staff.body.seq, 5);
    assert.equal(staff.body.truncated, false);
    for (const e of staff.body.items) {
      assert.equal(e.ticketId, ticket.id);
      assert.ok(!Number.isNaN(Date.parse(e.at)));
      assert.equal(typeof e.actor.name, "string");
    }

    const mine = await api<Events>(url, cookies.alice, "GET", `/api/tickets/${ticket.id}/events?after=0`);
    assert.equal(mine.status, 200);
    // The requester's own numbering: the internal note (staff seq 3) is not
    // there and leaves no gap; the ticket snapshot is renumbered with it.
    assert.deepEqual(mine.body.items.map((e) => e.seq), [1, 2, 3, 4]);
    assert.deepEqual(mine.body.items.map((e) => e.type), ["ticket:created", "comment:added", "ticket:updated", "attachment:added"]);
    assert.equal(mine.body.seq, 4);
    const update = mine.body.items[2]!;
    assert.equal(update.type === "ticket:updated" && update.data.ticket.lastSeq, 3);
    assert.ok(!JSON.stringify(mine.body).includes("secret"));
    const myLater = await api<Events>(url, cookies.alice, "GET", `/api/tickets/${ticket.id}/events?after=2`);
    assert.deepEqual(myLater.body.items.map((e) => e.type), ["ticket:updated", "attachment:added"]);

    const later = await api<Events>(url, cookies.agent, "GET", `/api/tickets/${ticket.id}/events?after=3`);
    assert.deepEqual(later.body.items.map((e) => e.seq), [4, 5]);
    const beyond = await api<Events>(url, cookies.agent, "GET", `/api/tickets/${ticket.id}/events?after=99999999999`);
    assert.equal(beyond.status, 200, "an `after` beyond Postgres' int range is not a 500");
    assert.deepEqual(beyond.body, { seq: 5, items: [], truncated: false });
    assert.equal((await api(url, cookies.bob, "GET", `/api/tickets/${ticket.id}/events?after=0`)).status, 404);
    assert.equal((await api(url, cookies.agent, "GET", `/api/tickets/${ticket.id}/events?after=-1`)).status, 400);
  });
});
