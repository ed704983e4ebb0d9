/**
 * Browser test: two people, two windows, one ticket. Alice (requester) and
 * Sam (agent) work in separate browser contexts against the real server and
 * see each other's changes without reloading; Sam's internal note never
 * reaches Alice.
 *
 * Needs a production build (`npm run build`) and Debian's Chromium
 * (tests/helpers/browser.ts). Set E2E_SCREENSHOT_DIR to keep screenshots of both windows.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { launchChromium } from "../helpers/browser";
import { startServer, type TestServer } from "../helpers/server";

const TIMEOUT_MS = 15_000;
const SCREENSHOT_DIR = process.env.E2E_SCREENSHOT_DIR;

let server: TestServer | undefined;
let browser: Browser | undefined;

/** A free local port, so APP_URL (and with it the socket Origin check) can name it up front. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  const port = await freePort();
  server = await startServer({ port, env: { APP_URL: `http://127.0.0.1:${port}` } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newWindow(): Promise<{ context: BrowserContext; page: Page }> {
  assert.ok(browser && server);
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  return { context, page };
}

/** Sign in through the login form and wait for the live connection. */
async function signIn(page: Page, email: string): Promise<void> {
  assert.ok(server);
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(server.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/tickets$/);
  await connectionStatus(page, "Connected").waitFor();
}

function connectionStatus(page: Page, text: "Connected" | "Reconnecting…" | "Offline"): Locator {
  return page.getByRole("status").filter({ hasText: text });
}

/** Mark the document; if the page reloads, the mark is gone. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __tandemMark: boolean }).__tandemMark = true;
  });
}

async function assertNotReloaded(page: Page, who: string): Promise<void> {
  const marked = await page.evaluate(() => (window as unknown as { __tandemMark?: boolean }).__tandemMark === true);
  assert.ok(marked, `${who}'s window reloaded; updates must arrive live`);
}

/** Poll `check` until it holds (no fixed sleeps). */
async function eventually(what: string, check: () => Promise<boolean>, ms = TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOT_DIR) return;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

async function sendComment(page: Page, body: string, internal = false): Promise<void> {
  if (internal) await page.getByLabel("Internal note").check();
  else if (await page.getByLabel("Internal note").count()) await page.getByLabel("Internal note").uncheck();
  await page.getByLabel("Comment").fill(body);
  await page.getByRole("button", { name: "Send" }).click();
  // Ours shows at once (HTTP response) and exactly once (the socket echo is deduplicated).
  await commentItem(page, body)
    .waitFor()
    .catch(async (e: Error) => {
      // Say what the page showed instead (an error, the send guard, the reply box's state).
      const alerts = await page.getByRole("alert").allInnerTexts().catch(() => []);
      const status = await page.getByRole("status").allInnerTexts().catch(() => []);
      const form = await page.locator("form.comment-form").innerText().catch(() => "");
      throw new Error(`${e.message}\nalerts: ${JSON.stringify(alerts)}\nstatus: ${JSON.stringify(status)}\nreply box: ${JSON.stringify(form.slice(0, 600))}`);
    });
  await eventually(`"${body}" shown once`, async () => (await commentItem(page, body).count()) === 1);
}

function commentItem(page: Page, body: string): Locator {
  return page.getByRole("region", { name: /^Conversation/ }).getByRole("listitem").filter({ hasText: body });
}

test("two windows on one ticket stay in sync live", async (t) => {
  const alice = await newWindow();
  const agent = await newWindow();
  try {
    await alice.page.goto("/tickets");
    await alice.page.waitForURL(/\/login\?callbackUrl=/);
    await alice.page.getByLabel("Email").fill("alice@example.com");
    await alice.page.getByLabel("Password").fill("not-the-password");
    await alice.page.getByRole("button", { name: "Sign in" }).click();
    await alice.page.getByRole("alert").filter({ hasText: "Incorrect email or password." }).waitFor();

    await signIn(alice.page, "alice@example.com");
    await signIn(agent.page, "agent@example.com");
    await markDocument(agent.page);

    const title = `Laptop will not boot ${Date.now()}`;

    await t.test("a ticket Alice creates appears in the agent's list without reload", async () => {
      await alice.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New ticket" }).click();
      await alice.page.getByLabel("Title").fill(title);
      await alice.page.getByLabel("Description").fill("It shows a blinking cursor after the logo.\nTried twice.");
      await alice.page.getByLabel("Priority").selectOption({ label: "High" });
      await alice.page.getByRole("button", { name: "Create ticket" }).click();
      await alice.page.waitForURL(/\/tickets\/[^/]+$/);
      await alice.page.getByRole("heading", { level: 1, name: title }).waitFor();
      await connectionStatus(alice.page, "Connected").waitFor();

      const row = agent.page.getByRole("row").filter({ hasText: title });
      await row.waitFor();
      assert.match(await row.innerText(), /Alice Requester/);
      assert.match(await row.innerText(), /High/);
      await assertNotReloaded(agent.page, "The agent");
      await row.getByRole("link", { name: title }).click();
      await agent.page.getByRole("heading", { level: 1, name: title }).waitFor();
      await markDocument(agent.page);
      await markDocument(alice.page);
    });

    await t.test("comments appear in the other window", async () => {
      await sendComment(alice.page, "Hello, it still does not boot.");
      await commentItem(agent.page, "Hello, it still does not boot.").waitFor();

      await sendComment(agent.page, "Thanks Alice, looking into it now.");
      await commentItem(alice.page, "Thanks Alice, looking into it now.").waitFor();
    });

    await t.test("a status change by the agent shows in Alice's window", async () => {
      // Requesters get read-only values, not selects.
      assert.equal(await alice.page.getByLabel("Status").count(), 0);
      await agent.page.getByLabel("Status").selectOption({ label: "In progress" });
      await alice.page
        .getByRole("region", { name: "Details" })
        .getByText("In progress", { exact: true })
        .waitFor();
      const line = "Sam Agent changed status from Open to In progress";
      await alice.page.getByRole("region", { name: "Activity" }).getByText(line).waitFor();
      await agent.page.getByRole("region", { name: "Activity" }).getByText(line).waitFor();
    });

    await t.test("stepping through a select with the keyboard saves once, on Enter", async () => {
      const priority = agent.page.getByLabel("Priority");
      await priority.focus();
      await priority.press("ArrowUp");
      await priority.press("ArrowUp");
      // High → Medium → Low shown, nothing saved yet.
      assert.equal(await priority.inputValue(), "LOW");
      const activity = agent.page.getByRole("region", { name: "Activity" });
      assert.equal(await activity.getByText("changed priority").count(), 0, "a keyboard step was saved");
      await priority.press("Enter");
      const line = "Sam Agent changed priority from High to Low";
      await activity.getByText(line).waitFor();
      await alice.page.getByRole("region", { name: "Activity" }).getByText(line).waitFor();
      await alice.page.getByRole("region", { name: "Details" }).getByText("Low", { exact: true }).waitFor();
      assert.equal(await activity.getByText("changed priority").count(), 1, "only the final choice is recorded");
    });

    await t.test("an attachment uploaded by the agent appears for Alice", async () => {
      await agent.page.getByLabel("Attach file").setInputFiles({
        name: "boot-log.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("POST failed at stage 3\n"),
      });
      await agent.page.getByRole("link", { name: "boot-log.txt" }).waitFor();
      const link = alice.page.getByRole("link", { name: "boot-log.txt" });
      await link.waitFor();
      assert.match((await link.getAttribute("href")) ?? "", /^\/api\/attachments\//);
    });

    await t.test("an internal note never reaches Alice", async () => {
      const secret = "Internal: the disk is probably dead, replace it.";
      await sendComment(agent.page, secret, true);
      const note = commentItem(agent.page, secret);
      assert.match(await note.innerText(), /Internal note/);

      // Events arrive in order: once the next public comment is in Alice's
      // window, the note would have been too, had it been sent to her.
      const after = "We will replace a part; expect it back tomorrow.";
      await sendComment(agent.page, after);
      await commentItem(alice.page, after).waitFor();
      assert.equal(await alice.page.getByText(secret).count(), 0, "internal note leaked to the requester live");
      assert.equal(await alice.page.getByText("added an internal note").count(), 0, "internal note leaked in the timeline");
      assert.equal(await alice.page.getByLabel("Internal note").count(), 0, "requesters cannot write internal notes");

      await assertNotReloaded(alice.page, "Alice");
      await assertNotReloaded(agent.page, "The agent");
      await screenshot(agent.page, "ticket-agent");
      await screenshot(alice.page, "ticket-alice");

      // A fresh load (server render) must not show it either.
      await alice.page.reload();
      await commentItem(alice.page, after).waitFor();
      assert.equal(await alice.page.getByText(secret).count(), 0, "internal note leaked to the requester on reload");
      await connectionStatus(alice.page, "Connected").waitFor();
      await markDocument(alice.page);
    });

    await t.test("nothing is lost while Alice is offline", async () => {
      await alice.context.setOffline(true);
      await connectionStatus(alice.page, "Offline").waitFor();
      const missed = "Sent while you were offline.";
      await sendComment(agent.page, missed);
      await agent.page.getByLabel("Priority").selectOption({ label: "Urgent" });
      await agent.page.getByRole("region", { name: "Activity" }).getByText("changed priority from Low to Urgent").waitFor();

      await alice.context.setOffline(false);
      await connectionStatus(alice.page, "Connected").waitFor();
      await commentItem(alice.page, missed).waitFor();
      await alice.page.getByRole("region", { name: "Details" }).getByText("Urgent", { exact: true }).waitFor();
      await assertNotReloaded(alice.page, "Alice");
    });

    await t.test("after a server restart both windows reconnect by themselves and catch up", async () => {
      assert.ok(server);
      const { port, dataDir } = server;
      const ticketId = new URL(alice.page.url()).pathname.split("/").pop()!;
      const stopped = server;
      server = undefined;
      assert.equal(await stopped.stop(), 0);
      // A restart (or a deploy) is not the end of anyone's session: the pages keep trying.
      await connectionStatus(alice.page, "Reconnecting…").waitFor();
      await connectionStatus(agent.page, "Reconnecting…").waitFor();

      server = await startServer({ port, dataDir, env: { APP_URL: `http://127.0.0.1:${port}` } });
      // Written as soon as the server is back, likely before the pages rejoin.
      const during = "Written right after the restart.";
      const res = await agent.page.request.post(`/api/tickets/${ticketId}/comments`, { data: { body: during } });
      assert.equal(res.status(), 201, await res.text());

      await connectionStatus(alice.page, "Connected").waitFor({ timeout: 30_000 });
      await connectionStatus(agent.page, "Connected").waitFor({ timeout: 30_000 });
      await commentItem(alice.page, during).waitFor();
      await commentItem(agent.page, during).waitFor();
      // And live again, both ways.
      await sendComment(agent.page, "Back online after the restart.");
      await commentItem(alice.page, "Back online after the restart.").waitFor();
      await sendComment(alice.page, "Thanks, I see it.");
      await commentItem(agent.page, "Thanks, I see it.").waitFor();
      await assertNotReloaded(alice.page, "Alice");
      await assertNotReloaded(agent.page, "The agent");
    });

    await t.test("the ticket list updates in place", async () => {
      await agent.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tickets" }).click();
      const row = agent.page.getByRole("row").filter({ hasText: title });
      await row.waitFor();
      await markDocument(agent.page);
      await alice.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tickets" }).click();
      await alice.page.getByRole("row").filter({ hasText: title }).waitFor();
      await markDocument(alice.page);

      // Another status change, made over the API by the agent's own session.
      const ticketId = (await row.getAttribute("data-ticket-id")) ?? "";
      const res = await agent.page.request.patch(`/api/tickets/${ticketId}`, { data: { status: "WAITING" } });
      assert.equal(res.status(), 200, await res.text());
      await alice.page.getByRole("row").filter({ hasText: title }).getByText("Waiting", { exact: true }).waitFor();
      await row.getByText("Waiting", { exact: true }).waitFor();
      await assertNotReloaded(alice.page, "Alice");
      await assertNotReloaded(agent.page, "The agent");
      await screenshot(agent.page, "list-agent");
    });
  } catch (e) {
    // The server log usually says why.
    if (e instanceof Error && server) e.message += `\n--- server output (tail) ---\n${server.output().slice(-4000)}`;
    throw e;
  } finally {
    await alice.context.close();
    await agent.context.close();
  }
});
