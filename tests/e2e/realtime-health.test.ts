/**
 * Browser test: the admin realtime health page (issue 8 §4). An admin finds
 * it in the navigation, sees this process reporting with its socket count,
 * and runs the live probe (database, Redis, and the echo back through the
 * adapter to this page). An agent has no link, gets a 404 for the page, and
 * a FORBIDDEN ack for the probe over a raw socket.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchChromium, signedInPage } from "../helpers/browser";
import { connectSocket, signIn, startServer, type TestServer } from "../helpers/server";
import { freePort } from "../helpers/services";

let server: TestServer;
let browser: Browser;

before(async () => {
  const port = await freePort();
  server = await startServer({ port, env: { APP_URL: `http://127.0.0.1:${port}` } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signedIn(email: string): Promise<Page> {
  return (await signedInPage(browser, server.url, email, server.password)).page;
}

test("an admin sees every process reporting and runs the live probe end to end", async () => {
  const page = await signedIn("admin@example.com");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Realtime health" }).click();
  await page.getByRole("heading", { name: "Realtime health" }).waitFor();
  const row = page.getByRole("table", { name: "Processes" }).getByRole("row").filter({ hasText: `pid ${server.proc.pid}` });
  await row.waitFor();
  assert.match((await row.textContent()) ?? "", /reporting/);
  assert.doesNotMatch((await row.textContent()) ?? "", /not reporting/);

  await page.getByRole("button", { name: "Run probe" }).click();
  const result = page.getByRole("status", { name: "Probe result" });
  await result.getByText("End to end").waitFor();
  const text = (await result.textContent()) ?? "";
  assert.match(text, new RegExp(`Answered bypid ${server.proc.pid}`));
  assert.match(text, /Database\d+(\.\d)? ms/, "the database leg is timed");
  assert.match(text, /Redisnot configured/, "no REDIS_URL here");
  assert.match(text, /End to end\d+ ms/, "the echo came back to the page");
  await page.context().close();
});

test("an agent has no link, a 404 for the page and FORBIDDEN for the probe", async () => {
  const page = await signedIn("agent@example.com");
  assert.equal(await page.getByRole("link", { name: "Realtime health" }).count(), 0);
  const res = await page.goto("/admin/realtime");
  assert.equal(res?.status(), 404);
  await page.context().close();

  const cookie = await signIn(server.url, "agent@example.com");
  const socket = await connectSocket(server.url, cookie);
  try {
    const ack = await socket.timeout(10_000).emitWithAck("admin:probe", { probeId: "agent-probe-123" });
    assert.deepEqual(ack.ok ? "ok" : ack.error.code, "FORBIDDEN");
  } finally {
    socket.close();
  }
});
