/**
 * Browser test (issue 8 §2): a database outage is not a sign-out. A real
 * Chromium page is connected through a TCP relay to the real server on a real
 * PostgreSQL. PostgreSQL stops and the relay cuts every connection, so the
 * page's socket must reconnect while the session cannot be checked: the
 * header keeps saying "Reconnecting…" (never "your session ended") while the
 * handshake is refused as retryable, and once PostgreSQL is back the page
 * gets back in by itself and receives live events again, without a reload.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchChromium, signedInPage } from "../helpers/browser";
import { api, SEEDED_DATABASE, signIn, startSeededPostgres, startServer, type TestServer } from "../helpers/server";
import { SECRET } from "../scale/support";
import { freePort, type Postgres } from "../helpers/services";

let pg: Postgres | undefined;
let server: TestServer | undefined;
let browser: Browser | undefined;
let relay: { port: number; handshakes: number; upgrades: number; cut(): void; close(): void } | undefined;

/** Socket.IO's handshake request: a polling GET without a session id. */
const HANDSHAKE = /^GET \/socket\.io\/\?(?![^ ]*sid=)[^ ]*transport=polling/m;
/** Its upgrade of an established session to WebSocket. */
const UPGRADE = /^GET \/socket\.io\/\?[^ ]*transport=websocket/m;

/** A TCP relay in front of the app: counts Socket.IO handshakes, and can cut every connection at once. */
function startRelay(listenPort: number, targetPort: number): Promise<NonNullable<typeof relay>> {
  const open = new Set<net.Socket>();
  const state = { port: listenPort, handshakes: 0, upgrades: 0 };
  const srv = net.createServer((client) => {
    client.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      if (HANDSHAKE.test(text)) state.handshakes++;
      if (UPGRADE.test(text)) state.upgrades++;
    });
    const upstream = net.connect(targetPort, "127.0.0.1");
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    srv.listen(listenPort, "127.0.0.1", () =>
      resolve(
        Object.assign(state, {
          cut: () => open.forEach((s) => s.destroy()),
          close: () => {
            open.forEach((s) => s.destroy());
            srv.close();
          },
        }),
      ),
    ),
  );
}

before(async () => {
  pg = await startSeededPostgres();
  const url = await pg.createDatabase(undefined, SEEDED_DATABASE);
  const relayPort = await freePort();
  // The page's origin is the relay's; the Socket.IO Origin check must accept it.
  server = await startServer({ env: { DATABASE_URL: url, NEXTAUTH_SECRET: SECRET, APP_URL: `http://127.0.0.1:${relayPort}` } });
  relay = await startRelay(relayPort, server.port);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  relay?.close();
  await server?.stop();
  await pg?.stop();
});

const status = (page: Page) => page.getByRole("status");

/** Wait until the header's live status reads `text`; on timeout, say what it read instead. */
async function showsStatus(page: Page, text: string, ms = 20_000) {
  let last: string | null = null;
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    last = await status(page).textContent();
    if (last === text) return;
  }
  assert.fail(`the status never read "${text}" (last: "${last}")`);
}

test("PostgreSQL down while the socket reconnects: 'Reconnecting…', never 'session ended'; back in by itself when it returns", async () => {
  const { context, page } = await signedInPage(browser!, `http://127.0.0.1:${relay!.port}`, "agent@example.com", server!.password);
  await page.evaluate(() => ((window as unknown as { __mark: boolean }).__mark = true));

  // Cut once the socket has moved to WebSocket: a cut during the upgrade could
  // miss the upgrade's connection, still being opened, and leave the page connected.
  for (const deadline = Date.now() + 20_000; relay!.upgrades < 1; await new Promise((r) => setTimeout(r, 50))) {
    assert.ok(Date.now() < deadline, "the socket upgraded to WebSocket");
  }
  await new Promise((r) => setTimeout(r, 500));
  await pg!.halt();
  const before = relay!.handshakes;
  relay!.cut();
  await showsStatus(page, "Reconnecting…");
  // Three handshakes go through and are refused (the session cannot be checked);
  // the page must still be trying, and say so, after each.
  for (const deadline = Date.now() + 30_000; relay!.handshakes < before + 3; ) {
    assert.ok(Date.now() < deadline, `the page kept trying to reconnect (${relay!.handshakes - before} handshakes)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 300)); // the third refusal's answer reaches the page
  assert.equal(await status(page).textContent(), "Reconnecting…", "still reconnecting, not signed out");
  assert.equal(await page.getByText("your session ended").count(), 0);
  assert.equal(await page.getByRole("link", { name: "Sign in again" }).count(), 0);

  await pg!.resume();
  await showsStatus(page, "Connected", 45_000);
  // Live again, same document: a ticket another user opens appears without a reload.
  const alice = await signIn(server!.url, "alice@example.com", server!.password);
  const created = await api(server!.url, alice, "POST", "/api/tickets", { title: "After the outage", description: "d" });
  assert.equal(created.status, 201);
  await page.getByRole("link", { name: /After the outage/ }).waitFor();
  assert.ok(await page.evaluate(() => (window as unknown as { __mark?: boolean }).__mark === true), "the page did not reload");
  await context.close();
});
