/**
 * Integrity of what Tandem stores and serves, against the real server:
 *
 * - Idempotency-Key on ticket and comment creation: a retry replays the first
 *   response (status, body) and creates nothing; the same key with another
 *   request is a coded 422; malformed keys are a 400; concurrent duplicates
 *   create one record, in one process (embedded database) and across two
 *   processes on one PostgreSQL; expired keys are forgotten and swept.
 * - Attachments: size and SHA-256 stored at upload; a download carries the real
 *   Content-Length and a Repr-Digest; a blob truncated or altered on disk is
 *   refused with ATTACHMENT_CORRUPT, never a 200 with wrong bytes; rows from
 *   before hashes existed (sha256 NULL) are hashed on their first download.
 * - In Chromium: a comment whose response is lost after the server handled it
 *   is retried by the client (automatically, and by pressing Send again) with
 *   the same key, and exactly one comment exists.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/browser";
import type { AttachmentDTO, CommentDTO, TicketDTO } from "../../src/shared/dto";
import { api, SEEDED_DATABASE, signIn, startSeededPostgres, startServer, type TestServer } from "../helpers/server";
import type { Postgres } from "../helpers/services";
import { createTicket, freePort, listAll } from "../integration/support";
import { SECRET } from "../scale/support";

let server: TestServer;
let url: string;
const cookies = { alice: "", bob: "", agent: "" };

before(async () => {
  const port = await freePort();
  server = await startServer({ port, env: { APP_URL: `http://127.0.0.1:${port}` } });
  url = server.url;
  for (const who of ["alice", "bob", "agent"] as const) cookies[who] = await signIn(url, `${who}@example.com`);
});

after(async () => {
  await server?.stop();
});

/** POST JSON with an optional Idempotency-Key; returns status, parsed body and headers. */
async function post<T>(base: string, cookie: string, pathname: string, body: unknown, key?: string) {
  const res = await fetch(`${base}${pathname}`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json", ...(key !== undefined ? { "idempotency-key": key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

async function commentsOf(base: string, cookie: string, ticketId: string): Promise<CommentDTO[]> {
  const res = await api<{ items: CommentDTO[] }>(base, cookie, "GET", `/api/tickets/${ticketId}/comments`);
  assert.equal(res.status, 200);
  return res.body.items;
}

function assertCoded(body: unknown, code: string) {
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  assert.equal(error?.code, code, JSON.stringify(body));
  assert.equal(typeof error?.message, "string");
}

describe("Idempotency-Key (embedded database)", () => {
  let ticket: TicketDTO;
  before(async () => {
    ticket = await createTicket(url, cookies.alice, { title: "Idempotent replies" });
  });

  test("a retried comment replays the first response and creates nothing", async () => {
    const key = randomUUID();
    const first = await post<CommentDTO>(url, cookies.alice, `/api/tickets/${ticket.id}/comments`, { body: "Once only" }, key);
    assert.equal(first.status, 201);
    assert.equal(first.headers.get("idempotent-replayed"), null);
    const again = await post<CommentDTO>(url, cookies.alice, `/api/tickets/${ticket.id}/comments`, { body: "Once only" }, key);
    assert.equal(again.status, 201);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(again.body, first.body);
    assert.equal((await commentsOf(url, cookies.alice, ticket.id)).filter((c) => c.body === "Once only").length, 1);
    // The structured-field form of the draft (a quoted string) names the same key.
    const quoted = await post<CommentDTO>(url, cookies.alice, `/api/tickets/${ticket.id}/comments`, { body: "Once only" }, `"${key}"`);
    assert.deepEqual(quoted.body, first.body);
  });

  test("a retried ticket creation replays the first ticket", async () => {
    const key = randomUUID();
    const input = { title: "Created once", description: "Retried by a flaky client." };
    const first = await post<TicketDTO>(url, cookies.bob, "/api/tickets", input, key);
    assert.equal(first.status, 201);
    const before = (await listAll(url, cookies.bob)).length;
    const again = await post<TicketDTO>(url, cookies.bob, "/api/tickets", input, key);
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body);
    assert.equal((await listAll(url, cookies.bob)).length, before);
  });

  test("the same key with a different request is refused with a code, and creates nothing", async () => {
    const key = randomUUID();
    assert.equal((await post(url, cookies.alice, `/api/tickets/${ticket.id}/comments`, { body: "Original" }, key)).status, 201);
    const count = (await commentsOf(url, cookies.alice, ticket.id)).length;
    const other = await createTicket(url, cookies.alice, { title: "Another ticket" });
    for (const [pathname, body] of [
      [`/api/tickets/${ticket.id}/comments`, { body: "Changed" }],
      [`/api/tickets/${other.id}/comments`, { body: "Original" }],
      ["/api/tickets", { title: "Original", description: "x" }],
    ] as const) {
      const res = await post(url, cookies.alice, pathname, body, key);
      assert.equal(res.status, 422, pathname);
      assertCoded(res.body, "IDEMPOTENCY_KEY_REUSED");
    }
    assert.equal((await commentsOf(url, cookies.alice, ticket.id)).length, count);
    assert.equal((await commentsOf(url, cookies.alice, other.id)).length, 0);
  });

  test("keys are per user: another user's identical key is a separate request", async () => {
    const key = randomUUID();
    const mine = await post<CommentDTO>(url, cookies.alice, `/api/tickets/${ticket.id}/comments`, { body: "Per user" }, key);
    const theirs = await post<CommentDTO>(url, cookies.agent, `/api/tickets/${ticket.id}/comments`, { body: "Per user" }, key);
    assert.equal(mine.status, 201);
    assert.equal(theirs.status, 201);
    assert.notEqual(mine.body.id, theirs.body.id);
    assert.equal(theirs.headers.get("idempotent-replayed"), null);
  });

  test("malformed keys are a 400 and create nothing", async () => {
    const count = (await commentsOf(url, cookies.alice, ticket.id)).length;
    for (const key of ["", "   ", "x".repeat(256), "has space", "semi;colon", "quote\"d", "é"]) {
      const res = await fetch(`${url}/api/tickets/${ticket.id}/comments`, {
        method: "POST",
        headers: { cookie: cookies.alice, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify({ body: "Never stored" }),
      }).catch(() => null);
      // fetch refuses to send a non-Latin-1 header value itself; that is a client-side refusal.
      if (!res) continue;
      assert.equal(res.status, 400, JSON.stringify(key));
      const body = (await res.json()) as { error: { code: string; fields?: Record<string, string[]> } };
      assertCoded(body, "VALIDATION");
      assert.ok(body.error.fields?.["Idempotency-Key"], JSON.stringify(body));
    }
    const longest = "k".repeat(255);
    assert.equal((await post(url, cookies.alice, `/api/tickets/${ticket.id}/comments`, { body: "Longest key" }, longest)).status, 201);
    assert.equal((await commentsOf(url, cookies.alice, ticket.id)).length, count + 1);
  });

  test("simultaneous duplicates create one comment and all get its response", async () => {
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => post<CommentDTO>(url, cookies.alice, `/api/tickets/${ticket.id}/comments`, { body: "Raced" }, key)),
    );
    for (const r of results) {
      assert.equal(r.status, 201);
      assert.deepEqual(r.body, results[0]!.body);
    }
    assert.equal((await commentsOf(url, cookies.alice, ticket.id)).filter((c) => c.body === "Raced").length, 1);
  });
});

describe("attachments: size, SHA-256, Content-Length, corruption", () => {
  let ticket: TicketDTO;
  before(async () => {
    ticket = await createTicket(url, cookies.alice, { title: "Integrity of files" });
  });

  async function upload(content: Buffer, name: string): Promise<AttachmentDTO> {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(content)]), name);
    const res = await fetch(`${url}/api/tickets/${ticket.id}/attachments`, { method: "POST", headers: { cookie: cookies.alice }, body: form });
    assert.equal(res.status, 201);
    return (await res.json()) as AttachmentDTO;
  }

  /** The blob on disk holding `sha256` (storage keys are not exposed). */
  function blobOf(sha256: string): string {
    const dir = path.join(server.dataDir, "uploads");
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if (fs.statSync(file).isFile() && createHash("sha256").update(fs.readFileSync(file)).digest("hex") === sha256) return file;
    }
    throw new Error(`no blob with sha256 ${sha256}`);
  }

  const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

  test("an intact file: DTO has size and sha256; download has the real Content-Length, a Repr-Digest and the bytes", async () => {
    const content = randomBytes(300_000);
    const a = await upload(content, "intact.bin");
    assert.equal(a.size, content.length);
    assert.equal(a.sha256, sha(content));
    const res = await fetch(`${url}${a.url}`, { headers: { cookie: cookies.alice } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(content.length));
    assert.equal(res.headers.get("transfer-encoding"), null);
    assert.equal(res.headers.get("repr-digest"), `sha-256=:${createHash("sha256").update(content).digest("base64")}:`);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(content));
  });

  for (const [label, damage] of [
    ["truncated", (file: string) => fs.truncateSync(file, 1000)],
    ["extended", (file: string) => fs.appendFileSync(file, "trailing junk")],
    ["one byte flipped", (file: string) => {
      const bytes = fs.readFileSync(file);
      const at = bytes.length >> 1;
      bytes[at] = bytes[at]! ^ 0x01;
      fs.writeFileSync(file, bytes);
    }],
  ] as const) {
    test(`a ${label} blob is refused with ATTACHMENT_CORRUPT, never a 200`, async () => {
      const content = randomBytes(50_000);
      const a = await upload(content, `${label}.bin`);
      damage(blobOf(a.sha256!));
      const res = await fetch(`${url}${a.url}`, { headers: { cookie: cookies.alice } });
      assert.equal(res.status, 500);
      assertCoded(await res.json(), "ATTACHMENT_CORRUPT");
      assert.match(server.output(), new RegExp(`attachment ${a.id} is corrupt`));
      // Still refused on a second try (nothing "heals" the record to the damaged bytes).
      assert.equal((await fetch(`${url}${a.url}`, { headers: { cookie: cookies.alice } })).status, 500);
    });
  }
});

describe("in Chromium: a comment whose response was lost is sent once", () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  for (const [label, lost] of [
    ["the client retries by itself", 1],
    ["the user presses Send again after every automatic retry failed", 4],
  ] as const) {
    test(label, async () => {
      const ticket = await createTicket(url, cookies.alice, { title: `Lost response: ${label}` });
      const context = await browser.newContext({ baseURL: url });
      context.setDefaultTimeout(20_000);
      const page = await context.newPage();
      try {
        await page.goto("/login");
        await page.getByLabel("Email").fill("alice@example.com");
        await page.getByLabel("Password").fill(server.password);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.waitForURL(/\/tickets$/);
        await page.goto(`/tickets/${ticket.id}`);

        const keys: string[] = [];
        let dropped = 0;
        await page.route(`**/api/tickets/${ticket.id}/comments`, async (route) => {
          if (route.request().method() !== "POST") return route.continue();
          keys.push((await route.request().headerValue("idempotency-key")) ?? "");
          // The server handles the request; then the response is lost on the way back.
          const response = await route.fetch();
          if (dropped < lost) {
            dropped++;
            assert.equal(response.status(), 201);
            return route.abort("connectionreset");
          }
          return route.fulfill({ response });
        });

        const body = `Sent once (${lost})`;
        await page.getByLabel("Comment").fill(body);
        await page.getByRole("button", { name: "Send" }).click();
        if (lost > 1) {
          await page.getByRole("alert").filter({ hasText: /network/i }).waitFor();
          await page.getByRole("button", { name: "Send" }).click();
        }
        // The comment shows up through the live socket as soon as the first
        // attempt commits; the send is over when the form clears.
        const item = page.getByRole("region", { name: /^Conversation/ }).getByRole("listitem").filter({ hasText: body });
        await item.waitFor();
        await page.waitForFunction(() => (document.getElementById("comment-body") as HTMLTextAreaElement | null)?.value === "");
        assert.equal(keys.length, lost + 1);
        assert.match(keys[0]!, /^[0-9a-f-]{36}$/);
        assert.ok(keys.every((k) => k === keys[0]), `one key per logical send: ${keys.join(", ")}`);
        assert.equal((await commentsOf(url, cookies.alice, ticket.id)).filter((c) => c.body === body).length, 1);
        assert.equal(await item.count(), 1);

        // The next comment is a new logical send: a new key.
        await page.getByLabel("Comment").fill("A second comment");
        await page.getByRole("button", { name: "Send" }).click();
        await page.getByRole("region", { name: /^Conversation/ }).getByRole("listitem").filter({ hasText: "A second comment" }).waitFor();
        assert.notEqual(keys.at(-1), keys[0]);
        // The socket can show the comment before the intercepted POST's answer is through: let it finish.
        await page.waitForFunction(() => (document.getElementById("comment-body") as HTMLTextAreaElement | null)?.value === "");
      } finally {
        await page.unrouteAll({ behavior: "wait" });
        await context.close();
      }
    });
  }
});

describe("across two processes on one PostgreSQL", () => {
  let postgres: Postgres;
  let client: pg.Client;
  const apps: TestServer[] = [];
  const cookie: string[] = [];
  let ticket: TicketDTO;

  before(async () => {
    postgres = await startSeededPostgres();
    const databaseUrl = await postgres.createDatabase(undefined, SEEDED_DATABASE);
    client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    // Planted before any keyed request, so the first one's sweep must remove it.
    await client.query(
      `INSERT INTO "IdempotencyKey" ("userId","key","fingerprint","status","response","expiresAt")
       SELECT id, 'long-expired', 'x', 201, '{}'::jsonb, now() - interval '1 hour' FROM "User" WHERE email = 'alice@example.com'`,
    );
    for (let i = 0; i < 2; i++) {
      apps.push(await startServer({ dataDir: undefined, env: { DATABASE_URL: databaseUrl, NEXTAUTH_SECRET: SECRET } }));
      cookie.push(await signIn(apps[i]!.url, "alice@example.com"));
    }
    ticket = await createTicket(apps[0]!.url, cookie[0]!, { title: "Raced across processes" });
  });

  after(async () => {
    await Promise.allSettled(apps.map((a) => a.stop()));
    await client?.end();
    await postgres?.stop();
  });

  test("simultaneous duplicates through both processes create one record each", async () => {
    for (let round = 0; round < 5; round++) {
      const key = randomUUID();
      const body = `Cross-process ${round}`;
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => post<CommentDTO>(apps[i % 2]!.url, cookie[i % 2]!, `/api/tickets/${ticket.id}/comments`, { body }, key)),
      );
      for (const r of results) {
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.deepEqual(r.body, results[0]!.body);
      }
      assert.equal((await commentsOf(apps[0]!.url, cookie[0]!, ticket.id)).filter((c) => c.body === body).length, 1);
    }
    const ticketKey = randomUUID();
    const tickets = await Promise.all(
      [0, 1, 0, 1].map((i) => post<TicketDTO>(apps[i]!.url, cookie[i]!, "/api/tickets", { title: "One ticket", description: "raced" }, ticketKey)),
    );
    assert.ok(tickets.every((t) => t.status === 201 && t.body.id === tickets[0]!.body.id));
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM "Ticket" WHERE title = 'One ticket'`);
    assert.equal(rows[0].n, 1);
  });

  test("expired keys are swept, and an expired key runs as a new request", async () => {
    const gone = await client.query(`SELECT 1 FROM "IdempotencyKey" WHERE key = 'long-expired'`);
    assert.equal(gone.rowCount, 0, "swept");
    const key = randomUUID();
    const first = await post<CommentDTO>(apps[1]!.url, cookie[1]!, `/api/tickets/${ticket.id}/comments`, { body: "Expires" }, key);
    assert.equal(first.status, 201);
    const stored = await client.query(`SELECT round(EXTRACT(EPOCH FROM "expiresAt" - "createdAt") / 3600)::int AS hours FROM "IdempotencyKey" WHERE key = $1`, [key]);
    assert.equal(stored.rows[0].hours, 24, "remembered for 24 h");
    await client.query(`UPDATE "IdempotencyKey" SET "expiresAt" = now() - interval '1 second' WHERE key = $1`, [key]);
    const later = await post<CommentDTO>(apps[0]!.url, cookie[0]!, `/api/tickets/${ticket.id}/comments`, { body: "Expires" }, key);
    assert.equal(later.status, 201);
    assert.notEqual(later.body.id, first.body.id);
    assert.equal(later.headers.get("idempotent-replayed"), null);
  });

  test("an attachment from before hashes were kept is hashed on first download, then guarded", async () => {
    const content = randomBytes(20_000);
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(content)]), "legacy.bin");
    const up = await fetch(`${apps[0]!.url}/api/tickets/${ticket.id}/attachments`, { method: "POST", headers: { cookie: cookie[0]! }, body: form });
    assert.equal(up.status, 201);
    const a = (await up.json()) as AttachmentDTO;
    const { rows } = await client.query(`UPDATE "Attachment" SET sha256 = NULL WHERE id = $1 RETURNING "storageKey"`, [a.id]);
    const res = await fetch(`${apps[0]!.url}${a.url}`, { headers: { cookie: cookie[0]! } });
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(content));
    const hashed = await client.query(`SELECT sha256 FROM "Attachment" WHERE id = $1`, [a.id]);
    assert.equal(hashed.rows[0].sha256, createHash("sha256").update(content).digest("hex"));
    // The blob lives in process 0's DATA_DIR (each process has its own uploads directory).
    const file = path.join(apps[0]!.dataDir, "uploads", rows[0].storageKey);
    const bytes = fs.readFileSync(file);
    bytes[0] = bytes[0]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const bad = await fetch(`${apps[0]!.url}${a.url}`, { headers: { cookie: cookie[0]! } });
    assert.equal(bad.status, 500);
    assertCoded(await bad.json(), "ATTACHMENT_CORRUPT");
  });
});

describe("embedded database: kill -9 right after a 201", () => {
  // What this proves: a comment acknowledged with 201 was handed to the
  // kernel before the answer, and the restarted database recovers it. What it
  // cannot prove: that it reached the platter (kill -9 keeps the page cache);
  // that is the fdatasync after every commit (src/server/db/durable-node-fs.ts,
  // its unit test, and the strace measurement in the README).
  test("the comment is there after a restart", async () => {
    const first = await startServer();
    let restarted: TestServer | undefined;
    try {
      const cookie = await signIn(first.url, "alice@example.com");
      const ticket = await createTicket(first.url, cookie, { title: "Killed after the answer" });
      const res = await post<CommentDTO>(first.url, cookie, `/api/tickets/${ticket.id}/comments`, { body: "Acknowledged, then killed" }, randomUUID());
      first.proc.kill("SIGKILL");
      assert.equal(res.status, 201);
      await new Promise((resolve) => (first.proc.exitCode !== null || first.proc.signalCode !== null ? resolve(null) : first.proc.once("exit", resolve)));
      restarted = await startServer({ dataDir: first.dataDir });
      const again = await signIn(restarted.url, "alice@example.com");
      const comments = await commentsOf(restarted.url, again, ticket.id);
      assert.deepEqual(comments.map((c) => c.id), [res.body.id]);
    } finally {
      await restarted?.stop();
      if (first.proc.exitCode === null && first.proc.signalCode === null) first.proc.kill("SIGKILL");
    }
  });
});
