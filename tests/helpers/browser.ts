/**
 * Browser tests' shared set-up: Debian's Chromium through playwright-core
 * (no download), and signing in through the real login form.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { afterEach } from "node:test";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { addUnreapedTicks, childrenOf, commOf, reapedTicks, sessionTicks } from "./cpu-accounting";

/**
 * Debian's chromium-headless-shell when it is installed, else its chromium;
 * CHROMIUM_BIN names another. The headless shell is the same Chromium built
 * without the desktop browser's UI layer: what Playwright itself runs for
 * headless tests. Pages run in the same Blink and V8; the test files
 * use about 15–25 % less CPU with it on the 2-core CI machine.
 */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].find((p) => fs.existsSync(p)) ?? "/usr/bin/chromium";

/** Chromium with the flags this environment needs (no sandbox as root, nothing phoning home). */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's package: apt-get install -y chromium-headless-shell (or chromium)`);
  const before = new Set(childrenOf(process.pid));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const browserPid = childrenOf(process.pid).find((pid) => !before.has(pid) && /chrom|headless/i.test(commOf(pid)));
  if (browserPid !== undefined) countCpuAtClose(browser, browserPid);
  return browser;
}

/**
 * Chromium's zygotes outlive the browser process when it closes and are
 * reaped by init, taking their renderers' CPU with them (cpu-accounting.ts).
 * Playwright starts the browser in a session of its own: just before it
 * closes, the session's CPU is read, and what does not come back through this
 * process's children is added by hand.
 */
function countCpuAtClose(browser: Browser, session: number): void {
  const close = browser.close.bind(browser);
  browser.close = async (...args: Parameters<Browser["close"]>) => {
    const used = sessionTicks(session);
    const reapedBefore = reapedTicks();
    await close(...args);
    addUnreapedTicks(used - (reapedTicks() - reapedBefore));
  };
}

/**
 * The windows a test file opens, closed when each test ends: push each new
 * context here. Left open, they stayed connected and re-rendered their live
 * lists at every change the later tests made: the collaboration suite kept 21
 * windows to its end, its Chromium went from about one core to one and a
 * half, and closing them took the file from about 150 to 85–95 CPU-seconds
 * run alone (tests/README.md).
 */
export function windowsClosedAfterEachTest(): BrowserContext[] {
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
  });
  return contexts;
}

type Cookies = Awaited<ReturnType<BrowserContext["cookies"]>>;
/** The session cookies of each user already signed in through the form, per browser and server. */
const sessions = new WeakMap<Browser, Map<string, Cookies>>();

/**
 * A new window signed in, on `path` (the ticket list unless given) with a
 * live connection. The first window of each user (per browser and server)
 * signs in through the login form; later ones carry that session's cookies,
 * like another tab of the same browser, which spares a login page and a
 * sign-in per window (a second or two of CPU each on the 2-core test
 * machine). A window meant for a ticket opens on it: loading the list first
 * and then the ticket cost a whole page more (about 0.7 CPU-s of server and
 * Chromium) per window.
 */
export async function signedInPage(browser: Browser, baseURL: string, email: string, password: string, path = "/tickets"): Promise<{ context: BrowserContext; page: Page }> {
  const known = sessions.get(browser)?.get(`${baseURL} ${email}`);
  const context = await browser.newContext({ baseURL, ...(known ? { storageState: { cookies: known, origins: [] } } : {}) });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  if (known) {
    await page.goto(path);
  } else {
    await page.goto(path === "/tickets" ? "/login" : `/login?callbackUrl=${encodeURIComponent(path)}`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname + url.search === path);
    if (!sessions.has(browser)) sessions.set(browser, new Map());
    sessions.get(browser)!.set(`${baseURL} ${email}`, await context.cookies());
  }
  await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
  return { context, page };
}

/** Poll `check` (backing off from 50 to 400 ms) until it holds; fail naming `what` after `ms`. */
export async function eventually(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let delay = 50; ; delay = Math.min(delay * 2, 400)) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
