/**
 * Browser test: a page on ANOTHER PORT of the same host (same site, another
 * origin) attacks a signed-in user of the real server, with every kind of
 * fetch and every form a browser can send; nothing is written and the user
 * stays signed in. A positive control proves the same requests work from the
 * app's own origin. The app's own pages (login, ticket list, a ticket with
 * live updates) run under the Content-Security-Policy without one violation.
 *
 * Needs a production build (`npm run build`) and Debian's Chromium (tests/helpers/browser.ts).
 */
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { launchChromium } from "../helpers/browser";
import { freePort } from "../helpers/proxies";
import { api, signIn as apiSignIn, startServer, type TestServer } from "../helpers/server";

const TIMEOUT_MS = 15_000;

let server: TestServer;
let app: string;
let attacker: http.Server;
let evil: string; // the attacker's origin: same host, another port
let browser: Browser;
let ticketId: string;

/** The attacker's page: empty, with a sink frame for form posts. Its script is run by the test. */
const EVIL_PAGE = `<!doctype html><html><head><title>Totally a cat picture</title></head><body><iframe name="sink"></iframe></body></html>`;

before(async () => {
  const port = await freePort();
  app = `http://127.0.0.1:${port}`;
  server = await startServer({ port, env: { APP_URL: app } });
  const alice = await apiSignIn(app, "alice@example.com");
  const created = await api<{ id: string }>(app, alice, "POST", "/api/tickets", { title: "Monitor flickers", description: "Every few seconds" });
  assert.equal(created.status, 201);
  ticketId = created.body.id;
  attacker = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(EVIL_PAGE);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  evil = `http://127.0.0.1:${(attacker.address() as { port: number }).port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((r) => attacker?.close(r));
  await server?.stop();
});

/** Collects CSP violations (events and console reports) of every page in a context. */
async function watchCsp(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.addInitScript(`document.addEventListener("securitypolicyviolation", (e) => {
    console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI + " (" + e.sourceFile + ":" + e.lineNumber + ")");
  });`);
  context.on("page", (page) => watchPage(page, violations));
  return violations;
}

function watchPage(page: Page, violations: string[]) {
  page.on("console", (msg) => {
    const text = msg.text();
    // The app's own pages only: the attacker's page rightly reports that our
    // responses refused to be framed (frame-ancestors 'none').
    if (page.url().startsWith(app) && /Content Security Policy|CSP violation/i.test(text)) violations.push(`${page.url()}: ${text}`);
  });
}

async function signInThroughForm(page: Page, email: string, callbackUrl?: string): Promise<void> {
  await page.goto(callbackUrl === undefined ? `${app}/login` : `${app}/login?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(server.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${app}/tickets`);
}

/** What Alice can see, through the API with her browser's own cookies. */
async function state(context: BrowserContext) {
  const cookie = (await context.cookies(app)).map((c) => `${c.name}=${c.value}`).join("; ");
  const session = await api<{ user?: { email?: string } }>(app, cookie, "GET", "/api/auth/session");
  const list = await api<{ items: Array<{ title: string }> }>(app, cookie, "GET", "/api/tickets?limit=100");
  const comments = await api<{ items: unknown[] }>(app, cookie, "GET", `/api/tickets/${ticketId}/comments`);
  const attachments = await api<{ items: unknown[] }>(app, cookie, "GET", `/api/tickets/${ticketId}/attachments`);
  const ticket = await api<{ title: string }>(app, cookie, "GET", `/api/tickets/${ticketId}`);
  return {
    user: session.body.user?.email,
    tickets: list.body.items.map((t) => t.title).sort(),
    comments: comments.body.items.length,
    attachments: attachments.body.items.length,
    title: ticket.body.title,
  };
}

type Attempt = { url: string; method: string; body: "json" | "text" | "form" | "multipart" | "none" };

function targets(): Attempt[] {
  return [
    { url: `${app}/api/tickets`, method: "POST", body: "json" },
    { url: `${app}/api/tickets/${ticketId}/comments`, method: "POST", body: "json" },
    { url: `${app}/api/tickets/${ticketId}`, method: "PATCH", body: "json" },
    { url: `${app}/api/tickets/${ticketId}/attachments`, method: "POST", body: "multipart" },
    { url: `${app}/api/auth/signout`, method: "POST", body: "form" },
    { url: `${app}/api/auth/callback/credentials`, method: "POST", body: "form" },
  ];
}

/**
 * From `page`, fire every target with every fetch mode, credentials mode and
 * body type. Resolves with what the page could observe (most are opaque).
 */
async function fetchEverything(page: Page, password: string): Promise<string[]> {
  // Plain JavaScript source: functions compiled by tsx carry helpers the page lacks.
  const source = `(async ({ attempts, password }) => {
    const bodies = {
      "text/plain": () => ({ body: JSON.stringify({ title: "Forged via text/plain", description: "x", body: "forged" }), type: "text/plain" }),
      "application/x-www-form-urlencoded": () => ({
        body: new URLSearchParams({ title: "Forged via form", description: "x", body: "forged", email: "bob@example.com", password, csrfToken: "x", json: "true" }),
      }),
      "multipart/form-data": () => {
        const f = new FormData();
        f.append("file", new Blob(["forged"], { type: "text/html" }), "forged.html");
        f.append("title", "Forged via multipart");
        f.append("body", "forged");
        return { body: f };
      },
      "application/json": () => ({ body: JSON.stringify({ title: "Forged via json", description: "x", body: "forged" }), type: "application/json" }),
    };
    const seen = [];
    const runs = [];
    for (const a of attempts) {
      for (const mode of ["cors", "no-cors"]) {
        for (const credentials of ["include", "same-origin"]) {
          for (const [name, make] of Object.entries(bodies)) {
            const { body, type } = make();
            // no-cors allows only GET, HEAD and POST.
            const method = mode === "no-cors" && a.method !== "POST" ? "POST" : a.method;
            runs.push(
              fetch(a.url, { method, mode, credentials, body, headers: type ? { "content-type": type } : {} })
                .then((r) => void seen.push(method + " " + a.url + " " + mode + " " + credentials + " " + name + ": " + r.type + " " + r.status))
                .catch(() => void seen.push(method + " " + a.url + " " + mode + " " + credentials + " " + name + ": blocked")),
            );
          }
        }
      }
    }
    await Promise.all(runs);
    return seen;
  })(${JSON.stringify({ attempts: targets(), password })})`;
  return page.evaluate(source) as Promise<string[]>;
}

/** Submit an HTML form of `enctype` to `url` into the sink frame. */
async function postForm(page: Page, url: string, enctype: string, fields: Record<string, string>, withFile: boolean): Promise<void> {
  const source = `(({ url, enctype, fields, withFile }) => {
    const form = document.createElement("form");
    form.method = "POST";
    form.action = url;
    form.enctype = enctype;
    form.target = "sink";
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.name = name;
      input.value = value;
      form.append(input);
    }
    if (withFile) {
      const file = document.createElement("input");
      file.type = "file";
      file.name = "file";
      const dt = new DataTransfer();
      dt.items.add(new File(["<script>alert(1)</script>"], "forged.html", { type: "text/html" }));
      file.files = dt.files;
      form.append(file);
    }
    document.body.append(form);
    form.submit();
    form.remove();
  })(${JSON.stringify({ url, enctype, fields, withFile })})`;
  await page.evaluate(source);
}

/** Post every form, waiting for each one's response at the server. */
async function postEveryForm(page: Page, password: string): Promise<Response[]> {
  const responses: Response[] = [];
  const fields = { title: "Forged via form post", description: "x", body: "forged", internal: "false", _method: "PATCH", email: "bob@example.com", password, csrfToken: "x", json: "true" };
  for (const a of targets()) {
    for (const enctype of ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]) {
      const answered = page.waitForResponse((r) => r.url() === a.url && r.request().method() === "POST");
      await postForm(page, a.url, enctype, fields, enctype === "multipart/form-data");
      responses.push(await answered);
    }
  }
  return responses;
}

test("a page on another port of the same host cannot change anything for a signed-in user", async () => {
  const context = await browser.newContext();
  context.setDefaultTimeout(TIMEOUT_MS);
  const violations = await watchCsp(context);
  try {
    const page = await context.newPage();
    await signInThroughForm(page, "alice@example.com");
    const before = await state(context);
    assert.equal(before.user, "alice@example.com");

    const evilPage = await context.newPage();
    const reachedServer: string[] = [];
    evilPage.on("response", (r) => {
      if (r.url().startsWith(app) && !["GET", "HEAD", "OPTIONS"].includes(r.request().method())) reachedServer.push(`${r.request().method()} ${r.url()} ${r.status()}`);
    });
    await evilPage.goto(evil);
    const observed = await fetchEverything(evilPage, server.password);
    assert.ok(observed.length >= 6 * 2 * 2 * 4);
    for (const line of observed) assert.match(line, /: (blocked|opaque 0|cors 403|basic 403)$/, line);

    const forms = await postEveryForm(evilPage, server.password);
    for (const r of forms) assert.equal(r.status(), 403, `form post to ${r.url()}`);

    assert.ok(reachedServer.length > 0, "requests did reach the server (and were refused there)");
    for (const line of reachedServer) assert.match(line, / 403$/, line);
    assert.deepEqual(await state(context), before, "nothing was written and Alice is still signed in as herself");
  } finally {
    await context.close();
  }
  assert.deepEqual(violations, []);
});

test("the same requests from the app's own origin do work (positive control)", async () => {
  const context = await browser.newContext();
  context.setDefaultTimeout(TIMEOUT_MS);
  const violations = await watchCsp(context);
  try {
    const page = await context.newPage();
    await signInThroughForm(page, "alice@example.com");
    const before = await state(context);
    const observed = await fetchEverything(page, server.password);
    // Same-origin requests reach the handlers: JSON ones are created, the
    // others fail on their content type, not on their origin.
    assert.ok(observed.some((l) => l.includes(`POST ${app}/api/tickets cors include application/json: basic 201`)), observed.join("\n"));
    assert.ok(observed.some((l) => l.includes(`/comments cors include application/json: basic 201`)));
    assert.ok(observed.some((l) => l.includes(`/attachments cors include multipart/form-data: basic 201`)));
    assert.ok(observed.some((l) => / text\/plain: basic 415$/.test(l)));
    assert.ok(!observed.some((l) => / 403$/.test(l)), observed.filter((l) => / 403$/.test(l)).join("\n"));
    const after = await state(context);
    assert.ok(after.tickets.length > before.tickets.length);
    assert.ok(after.comments > before.comments && after.attachments > before.attachments);
  } finally {
    await context.close();
  }
  assert.deepEqual(violations, []);
});

test("pages work under the CSP: login (with a hostile callbackUrl), ticket list, a ticket with live updates", async () => {
  const context = await browser.newContext();
  context.setDefaultTimeout(TIMEOUT_MS);
  const violations = await watchCsp(context);
  try {
    const page = await context.newPage();
    // The login form follows only a same-origin path.
    await signInThroughForm(page, "alice@example.com", "//evil.example/phish");
    await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
    await page.getByRole("link", { name: "Monitor flickers" }).first().waitFor();
    await page.goto(`${app}/tickets/${ticketId}`);
    await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
    const agent = await apiSignIn(app, "agent@example.com");
    const body = `Live reply ${Date.now()}`;
    assert.equal((await api(app, agent, "POST", `/api/tickets/${ticketId}/comments`, { body })).status, 201);
    await page.getByRole("region", { name: /^Conversation/ }).getByRole("listitem").filter({ hasText: body }).waitFor();
    // And the page can still change things itself.
    await page.getByLabel("Comment").fill("Thanks, trying now");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("region", { name: /^Conversation/ }).getByRole("listitem").filter({ hasText: "Thanks, trying now" }).waitFor();
  } finally {
    await context.close();
  }
  assert.deepEqual(violations, []);
});
