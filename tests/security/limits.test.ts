/**
 * Abuse limits, attacked on the real server: sign-in throttling per account
 * and address (429 + Retry-After, and the login form's message in Chromium),
 * a sign-in flood that must not stall other users, Socket.IO caps (sockets
 * per user and per address, a per-user event budget, rooms per socket),
 * creation limits and the daily upload quota, and literal LIKE search.
 *
 * One server with small limits. Clients here are on loopback, which the
 * default TRUSTED_PROXIES trusts like the shipped nginx: each test picks its
 * own client address with X-Forwarded-For, so their counts stay apart.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { ApiErrorBody } from "../../src/shared/dto";
import type { Ack } from "../../src/shared/realtime";
import { launchChromium } from "../helpers/browser";
import { api, connectSocket, DEMO_PASSWORD, nextEvent, signIn, startServer, type TestServer } from "../helpers/server";
import { startRedis, type RedisServer } from "../helpers/services";
import { createTicket, freePort, join, listAll, listTree } from "../integration/support";

const LIMITS = {
  SIGNIN_MAX_CONSECUTIVE_FAILS: "3",
  SIGNIN_MAX_FAILS_PER_IP_DAY: "8",
  SOCKET_MAX_PER_ADDRESS: "80",
  SOCKET_USER_EVENT_LIMIT: "200",
  SOCKET_MAX_ROOMS: "3",
  TICKET_CREATE_LIMIT: "3",
  COMMENT_CREATE_LIMIT: "3",
  UPLOAD_LIMIT: "3",
  UPLOAD_QUOTA_MB: "0.1",
  MAX_UPLOAD_MB: "1",
};
const QUOTA_BYTES = Math.floor(0.1 * 1024 * 1024);

let server: TestServer;
let url: string;
const cookies = { admin: "", agent: "", alice: "", bob: "" };

before(async () => {
  const port = await freePort();
  server = await startServer({ port, env: { ...LIMITS, APP_URL: `http://127.0.0.1:${port}` } });
  url = server.url;
  for (const who of Object.keys(cookies) as (keyof typeof cookies)[]) cookies[who] = await signIn(url, `${who}@example.com`);
});

after(async () => {
  assert.equal(await server?.stop(), 0, "graceful shutdown exits 0");
});

let nextAddress = 1;
/** A client address of its own for one test (TEST-NET-2, via the trusted loopback proxy). */
function freshAddress(): string {
  return `198.51.100.${nextAddress++}`;
}

/** One sign-in attempt through next-auth's form flow, from `address` (to `base`, the main server by default). */
async function attempt(email: string, password: string, address: string, base = url) {
  const url = base;
  const headers = { "x-forwarded-for": address };
  const csrf = await fetch(`${url}/api/auth/csrf`, { headers });
  const cookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, cookie, "content-type": "application/x-www-form-urlencoded", origin: url },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const body = (await res.json().catch(() => null)) as (ApiErrorBody & { url?: string }) | null;
  const signedIn = res.headers.getSetCookie().some((c) => /session-token=[^;]/.test(c));
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body, signedIn };
}

function assertRateLimited(res: { status: number; body: unknown }, headers?: Headers | string | null) {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.equal((res.body as ApiErrorBody).error.code, "RATE_LIMITED");
  const retryAfter = typeof headers === "string" || headers === null ? headers : headers?.get("retry-after");
  assert.match(String(retryAfter), /^[1-9]\d*$/, "Retry-After in whole seconds");
}

describe("sign-in throttling", () => {
  test("failures in a row for one account from one address are blocked with 429, Retry-After, and no password check", async () => {
    const address = freshAddress();
    for (let i = 0; i < 3; i++) assert.equal((await attempt("alice@example.com", "wrong", address)).status, 401);
    const blocked = await attempt("alice@example.com", "wrong", address);
    assertRateLimited(blocked, blocked.retryAfter);
    assert.equal(Number(blocked.retryAfter), 60, "the first block lasts a minute");
    assert.equal(blocked.body?.error.message, "Too many attempts, try again in 1 minute");
    // Even the right password is refused while blocked: the check is never reached.
    const right = await attempt("alice@example.com", DEMO_PASSWORD, address);
    assert.equal(right.status, 429);
    assert.equal(right.signedIn, false);
    // The same account from another address, and another account from this one, are unaffected.
    assert.equal((await attempt("alice@example.com", DEMO_PASSWORD, freshAddress())).signedIn, true);
    assert.equal((await attempt("bob@example.com", DEMO_PASSWORD, address)).signedIn, true);
  });

  test("a success resets the failures in a row", async () => {
    const address = freshAddress();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) assert.equal((await attempt("bob@example.com", "wrong", address)).status, 401);
      assert.equal((await attempt("bob@example.com", DEMO_PASSWORD, address)).signedIn, true, `round ${round}`);
    }
  });

  test("a parallel burst cannot overshoot: exactly the allowed failures reach the password check", async () => {
    const address = freshAddress();
    const results = await Promise.all(Array.from({ length: 12 }, () => attempt("agent@example.com", "wrong", address)));
    assert.equal(results.filter((r) => r.status === 401).length, 3);
    assert.equal(results.filter((r) => r.status === 429).length, 9);
  });

  test("failures from one address across many accounts are capped per day", async () => {
    const address = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await attempt(`nobody${i}@example.com`, "wrong", address)).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 401, 401, 429, 429]);
    const res = await attempt("admin@example.com", DEMO_PASSWORD, address);
    assert.equal(res.status, 429);
    assert.equal(Number(res.retryAfter) > 60 * 60, true, "blocked for the day");
  });

  test("hops a client puts in X-Forwarded-For before the proxy's own cannot dodge the throttle", async () => {
    // The proxy (loopback) appends the address it saw; whatever the client
    // sent before it varies here and changes nothing. (That a direct,
    // untrusted peer's X-Forwarded-For is ignored altogether is unit-tested in
    // src/server/http/client-address.test.ts.)
    const address = freshAddress();
    for (let i = 0; i < 3; i++) {
      assert.equal((await attempt("admin@example.com", "wrong", `10.9.9.${i}, ${address}`)).status, 401);
    }
    assert.equal((await attempt("admin@example.com", "wrong", `10.9.9.99, ${address}`)).status, 429);
  });

  test("the login form says \"Too many attempts, try again in N minutes\" (Chromium)", async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": freshAddress() } });
      const page = await context.newPage();
      await page.goto(`${url}/login`);
      const alert = page.locator("#login-error");
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        await page.getByLabel("Email").fill("alice@example.com");
        await page.getByLabel("Password").fill(`wrong-${i}`);
        const [res] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith("/api/auth/callback/credentials")),
          page.getByRole("button", { name: "Sign in" }).click(),
        ]);
        statuses.push(res.status());
        await page.getByRole("button", { name: "Sign in" }).waitFor();
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      await page.waitForFunction(() => document.querySelector("[role=alert]")?.textContent?.startsWith("Too many"));
      assert.equal(await alert.textContent(), "Too many attempts, try again in 1 minute");
    } finally {
      await browser.close();
    }
  });
});

describe("password hashing off the event loop", () => {
  test("a sign-in flood does not stall other users: all their requests succeed meanwhile", async () => {
    // 40 concurrent wrong-password attempts, each from its own address (so
    // none is throttled and every one costs an argon2id check), while Bob
    // keeps listing his tickets.
    const flood = Promise.all(
      Array.from({ length: 40 }, (_, i) => attempt(`flood${i}@example.com`, "wrong", `203.0.113.${i + 1}`)),
    );
    let floodDone = false;
    void flood.finally(() => (floodDone = true));
    const other: number[] = [];
    while (!floodDone) {
      other.push((await api(url, cookies.bob, "GET", "/api/tickets")).status);
    }
    const results = await flood;
    assert.ok(results.every((r) => r.status === 401), "every flood attempt was checked and refused");
    assert.ok(other.length >= 1);
    assert.ok(other.every((s) => s === 200), `Bob's requests during the flood: ${other.join(",")}`);
  });
});

function errorCode(ack: Ack): string | undefined {
  return ack.ok ? undefined : ack.error.code;
}

async function openMany(cookie: string, n: number, address?: string) {
  const settled = await Promise.allSettled(
    Array.from({ length: n }, () => connectSocket(url, cookie, { origin: url, extraHeaders: address ? { "x-forwarded-for": address } : {} })),
  );
  const sockets = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const errors = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as Error & { data?: { code?: string } }] : []));
  return { sockets, errors, close: () => sockets.forEach((s) => s.close()) };
}

/**
 * Exactly `n` sockets for `cookie`. Sockets closed by an earlier test free
 * their places when the server sees the close, which may lag the client's
 * close(): retry until the server has caught up.
 */
async function openExactly(cookie: string, n: number, address?: string) {
  for (let attempt = 0; ; attempt++) {
    const many = await openMany(cookie, n, address);
    if (many.sockets.length === n || attempt === 20) return many;
    many.close();
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("Socket.IO limits", () => {
  test("one user opening 60 sockets gets exactly 50; the refusals say TOO_MANY_SOCKETS, not unauthorized", async () => {
    (await openExactly(cookies.alice, 1)).close();
    const many = await openMany(cookies.alice, 60);
    try {
      assert.equal(many.sockets.length, 50);
      assert.equal(many.errors.length, 10);
      for (const e of many.errors) {
        assert.equal(e.message, "too_many_sockets");
        assert.equal(e.data?.code, "TOO_MANY_SOCKETS");
      }
      // Another user is not affected by Alice's cap.
      (await connectSocket(url, cookies.bob, { origin: url })).close();
      // Not signed in is still "unauthorized".
      await assert.rejects(connectSocket(url, undefined, { origin: url }), /unauthorized/);
    } finally {
      many.close();
    }
    // Closed sockets free their places.
    const again = await openExactly(cookies.alice, 5);
    assert.equal(again.sockets.length, 5);
    again.close();
  });

  test("per-address cap: one address holds at most SOCKET_MAX_PER_ADDRESS sockets across users", async () => {
    const address = freshAddress();
    const a = await openExactly(cookies.agent, 50, address);
    const b = await openMany(cookies.bob, 40, address);
    try {
      assert.equal(a.sockets.length + b.sockets.length, 80);
      assert.ok(b.errors.length === 10 && b.errors.every((e) => e.data?.code === "TOO_MANY_SOCKETS"));
      // The same user from another address still connects.
      (await connectSocket(url, cookies.bob, { origin: url, extraHeaders: { "x-forwarded-for": freshAddress() } })).close();
    } finally {
      a.close();
      b.close();
    }
  });

  test("rooms per socket are capped: ticket:join beyond SOCKET_MAX_ROOMS is refused with TOO_MANY_ROOMS", async () => {
    await createTicket(url, cookies.agent, { title: "A fourth ticket to watch" });
    const tickets = (await listAll(url, cookies.agent)).slice(0, 4);
    assert.equal(tickets.length, 4);
    const socket = await connectSocket(url, cookies.agent, { origin: url });
    try {
      for (const t of tickets.slice(0, 3)) assert.equal((await join(socket, { ticketId: t.id })).ok, true);
      assert.equal(errorCode(await join(socket, { ticketId: tickets[3]!.id })), "TOO_MANY_ROOMS");
      // Joining one already joined is not a new room; leaving frees a place.
      assert.equal((await join(socket, { ticketId: tickets[0]!.id })).ok, true);
      await socket.timeout(5000).emitWithAck("ticket:leave", { ticketId: tickets[0]!.id });
      assert.equal((await join(socket, { ticketId: tickets[3]!.id })).ok, true);
    } finally {
      socket.close();
    }
  });

  test("one user flooding events from 50 sockets is refused beyond the budget, then cut off; others' HTTP and events still arrive", async () => {
    const flooder = await openExactly(cookies.alice, 50);
    const watcher = await connectSocket(url, cookies.bob, { origin: url });
    try {
      assert.equal(flooder.sockets.length, 50);
      const bobTicket = (await listAll(url, cookies.bob))[0]!;
      assert.equal((await join(watcher, { ticketId: bobTicket.id })).ok, true);

      const started = Date.now();
      const flood = Promise.all(
        flooder.sockets.flatMap((s) =>
          Array.from({ length: 20 }, () =>
            s
              .timeout(20_000)
              .emitWithAck("ticket:leave", { ticketId: bobTicket.id })
              .catch(() => ({ ok: false, error: { code: "TIMEOUT", message: "no answer: disconnected" } }) as Ack),
          ),
        ),
      );
      // Meanwhile: Bob's HTTP requests and a comment event reaching Bob's socket.
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await api(url, cookies.bob, "GET", `/api/tickets/${bobTicket.id}`)).status);
      const event = nextEvent(watcher, "comment:added", (e) => e.data.comment.body === "during the socket flood");
      const posted = await api(url, cookies.agent, "POST", `/api/tickets/${bobTicket.id}/comments`, { body: "during the socket flood" });
      assert.equal(posted.status, 201);
      await event;
      const acks = await flood;
      const windows = Math.ceil((Date.now() - started) / 10_000);

      assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
      const ok = acks.filter((a) => a.ok).length;
      const limited = acks.filter((a) => errorCode(a) === "RATE_LIMITED").length;
      const dropped = acks.filter((a) => errorCode(a) === "TIMEOUT").length;
      assert.equal(ok + limited + dropped, 1000);
      assert.ok(ok >= 200 && ok <= 200 * windows, `accepted ${ok} of 1000 in ${windows} window(s) of 10 s`);
      // Refusals are answered up to the budget again; past that, sockets still sending are cut off.
      assert.ok(limited >= 1 && limited <= 200 * windows, `refused ${limited}`);
      assert.ok(dropped > 0, "the flooding sockets were disconnected");
      assert.ok(flooder.sockets.some((s) => !s.connected));
      // Bob's own budget is untouched by Alice's flood.
      assert.equal((await join(watcher, { ticketId: bobTicket.id })).ok, true);
    } finally {
      flooder.close();
      watcher.close();
    }
  });
});

describe("creation limits and the upload quota", () => {
  test("tickets beyond TICKET_CREATE_LIMIT per hour: 429, Retry-After, RATE_LIMITED, nothing created", async () => {
    for (let i = 0; i < 3; i++) await createTicket(url, cookies.bob, { title: `Bob's ticket ${i}` });
    const res = await fetch(`${url}/api/tickets`, {
      method: "POST",
      headers: { cookie: cookies.bob, "content-type": "application/json", origin: url },
      body: JSON.stringify({ title: "One too many", description: "x" }),
    });
    assertRateLimited({ status: res.status, body: await res.json() }, res.headers);
    assert.ok(Number(res.headers.get("retry-after")) <= 3600);
    assert.ok(!(await listAll(url, cookies.admin)).some((t) => t.title === "One too many"));
    // Per user: the admin can still open one.
    await createTicket(url, cookies.admin, { title: "Admin is not limited by Bob" });
  });

  test("comments beyond COMMENT_CREATE_LIMIT per minute: 429 and nothing posted", async () => {
    const ticket = (await listAll(url, cookies.alice))[0]!;
    for (let i = 0; i < 3; i++) {
      assert.equal((await api(url, cookies.alice, "POST", `/api/tickets/${ticket.id}/comments`, { body: `c${i}` })).status, 201);
    }
    const res = await fetch(`${url}/api/tickets/${ticket.id}/comments`, {
      method: "POST",
      headers: { cookie: cookies.alice, "content-type": "application/json", origin: url },
      body: JSON.stringify({ body: "one too many" }),
    });
    assertRateLimited({ status: res.status, body: await res.json() }, res.headers);
    assert.ok(Number(res.headers.get("retry-after")) <= 60);
    const comments = await api<{ items: Array<{ body: string }> }>(url, cookies.alice, "GET", `/api/tickets/${ticket.id}/comments`);
    assert.ok(!comments.body.items.some((c) => c.body === "one too many"));
  });

  async function upload(cookie: string, ticketId: string, size: number) {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(size).fill(0x61)], { type: "text/plain" }), "f.txt");
    const res = await fetch(`${url}/api/tickets/${ticketId}/attachments`, { method: "POST", headers: { cookie, origin: url }, body: form });
    return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
  }

  function storedFiles() {
    return listTree(path.join(server.dataDir, "uploads")).filter((f) => !f.endsWith("/"));
  }

  test("the daily upload quota: an upload that would cross it is refused while streaming and leaves no file", async () => {
    const ticket = await createTicket(url, cookies.agent, { title: "Quota ticket" });
    const before = storedFiles().length;
    assert.equal((await upload(cookies.agent, ticket.id, 60 * 1024)).status, 201);
    // 60 KB used of 100 KB: 50 KB more crosses the quota midway.
    const over = await upload(cookies.agent, ticket.id, 50 * 1024);
    assertRateLimited(over, over.headers);
    assert.match((over.body as ApiErrorBody).error.message, /quota/i);
    assert.ok(Number(over.headers.get("retry-after")) > 23 * 3600, "until the first upload leaves the 24 h window");
    assert.equal(storedFiles().length, before + 1, "no file and no temp file left");
    const listed = await api<{ items: unknown[] }>(url, cookies.agent, "GET", `/api/tickets/${ticket.id}/attachments`);
    assert.equal(listed.body.items.length, 1);
    // What fits still fits; then the quota is exhausted and refused before reading.
    assert.equal((await upload(cookies.agent, ticket.id, QUOTA_BYTES - 60 * 1024)).status, 201);
    const full = await upload(cookies.agent, ticket.id, 1);
    assertRateLimited(full, full.headers);
  });

  test("uploads beyond UPLOAD_LIMIT per hour are refused; a request refused from its headers does not count", async () => {
    const ticket = await createTicket(url, cookies.admin, { title: "Upload count ticket" });
    // More than the limit of 3, each refused before a byte is read: none may use up the hour.
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/api/tickets/${ticket.id}/attachments`, {
        method: "POST",
        headers: { cookie: cookies.admin, origin: url, "content-type": "text/plain" },
        body: "not a form",
      });
      assert.equal(res.status, 415);
      assert.equal(((await res.json()) as ApiErrorBody).error.code, "UNSUPPORTED_MEDIA_TYPE");
    }
    for (let i = 0; i < 3; i++) assert.equal((await upload(cookies.admin, ticket.id, 10)).status, 201);
    const res = await upload(cookies.admin, ticket.id, 10);
    assertRateLimited(res, res.headers);
    assert.match((res.body as ApiErrorBody).error.message, /uploads/);
  });
});

describe("search input", () => {
  // Search is full-text since issue 10 (no LIKE pattern is built from q):
  // punctuation is not a word, so it matches nothing, and never everything.
  test("wildcards are not wildcards: q=%, q=_ and q=\\ match nothing, words still match", async () => {
    const percent = await createTicket(url, cookies.admin, { title: "Disk at 100% again", description: "plain" });
    const all = await listAll(url, cookies.admin);
    assert.ok(all.length > 2);
    assert.deepEqual(await listAll(url, cookies.admin, "q=%"), []);
    assert.ok((await listAll(url, cookies.admin, "q=100%25")).some((t) => t.id === percent.id), "the word 100 matches");
    assert.deepEqual(await listAll(url, cookies.admin, "q=_"), []);
    assert.deepEqual(await listAll(url, cookies.admin, "q=%5C"), [], "a backslash is not a word either");
    assert.deepEqual((await listAll(url, cookies.admin, "q=again")).map((t) => t.id), [percent.id], "plain search still works");
  });
});

test("no upload temp files are left behind by any refusal", () => {
  const tmp = path.join(server.dataDir, "uploads", "tmp");
  assert.deepEqual(fs.existsSync(tmp) ? fs.readdirSync(tmp) : [], []);
});

describe("with REDIS_URL the sign-in limit holds across processes, and survives Redis going down", () => {
  let redis: RedisServer;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, SIGNIN_MAX_CONSECUTIVE_FAILS: "3" };
    [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  test("failures counted on one process block the next attempt on another", async () => {
    const address = freshAddress();
    for (let i = 0; i < 3; i++) assert.equal((await attempt("alice@example.com", "wrong", address, a.url)).status, 401);
    const onB = await attempt("alice@example.com", "wrong", address, b.url);
    assert.equal(onB.status, 429);
    assert.equal(Number(onB.retryAfter) > 0 && Number(onB.retryAfter) <= 60, true);
  });

  test("Redis down: each process falls back to its own count; the limit stays on and sign-in still works", async () => {
    await redis.stop();
    try {
      const address = freshAddress();
      assert.equal((await attempt("bob@example.com", DEMO_PASSWORD, address, a.url)).signedIn, true);
      for (let i = 0; i < 3; i++) assert.equal((await attempt("bob@example.com", "wrong", address, a.url)).status, 401);
      assert.equal((await attempt("bob@example.com", "wrong", address, a.url)).status, 429);
    } finally {
      await redis.start();
    }
  });
});
