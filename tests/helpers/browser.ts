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
    // --process-per-site: the tabs of one site in one browser context share a
    // renderer process (signedInPage opens a user's further windows as tabs).
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--process-per-site"],
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
 * The windows a test file opens, closed when each test ends: push each
 * window's context here (what signedInPage returns closes that user's tabs
 * and keeps their browser context, see below). Left open, they stayed
 * connected and re-rendered their live lists at every change the later tests
 * made: the collaboration suite kept 21 windows to its end, its Chromium went
 * from about one core to one and a half, and closing them took the file from
 * about 150 to 85–95 CPU-seconds run alone (tests/README.md).
 */
export function windowsClosedAfterEachTest(): Pick<BrowserContext, "close">[] {
  const contexts: Pick<BrowserContext, "close">[] = [];
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
  });
  return contexts;
}

type Cookies = Awaited<ReturnType<BrowserContext["cookies"]>>;
/** The session cookies of each user already signed in, per browser and server: a context a test closed is made again from them. */
const sessions = new WeakMap<Browser, Map<string, Cookies>>();

/**
 * Each signed-in user's browser context, per browser and server, kept from
 * one window to the next (and from test to test) with one page left open on
 * a same-site document without the app (`anchor`). With Chromium's
 * --process-per-site the user's tabs then share one renderer process, which
 * lives as long as the anchor does: a further window costs a tab, not a new
 * process that compiles the app's scripts again (about 0.75 against 1.1
 * CPU-seconds of Chromium per window, tests/README.md).
 */
type Shared = { context: BrowserContext; anchor: Page };
const shared = new WeakMap<Browser, Map<string, Shared>>();

/**
 * A window's context as the tests see it: the user's browser context, whose
 * `close()` closes that user's tabs (all of them, the ones opened with
 * `page.context().newPage()` included) but keeps the context and its anchor
 * for the next window. Everything else is the context's own.
 */
function windowContext(entry: Shared): BrowserContext {
  const closeTabs = async () => {
    for (const page of entry.context.pages()) if (page !== entry.anchor) await page.close().catch(() => {});
  };
  return new Proxy(entry.context, {
    get(target, prop, receiver) {
      if (prop === "close") return closeTabs;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Sign a browser context in through next-auth's credentials flow over HTTP,
 * as the login form's request does (the CSRF token, then the callback), with
 * the context's own request client, so the session cookie lands in the
 * context with the attributes the server set. Not through the form itself:
 * a login page in Chromium cost about 1.3 CPU-seconds more per user and file
 * (its render, and the server's sign-in and redirect), and the form has tests
 * of its own: live-ticket, keyboard-and-phone (the phone layout) and
 * cross-site-browser (with a callbackUrl) sign in through it, and
 * collaboration's scripts-off page checks that it submits nothing natively.
 */
async function signInOverHttp(context: BrowserContext, email: string, password: string): Promise<void> {
  const csrf = await context.request.get("/api/auth/csrf");
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await context.request.post("/api/auth/callback/credentials", { form: { csrfToken, email, password, json: "true" }, maxRedirects: 0 });
  if (!(await context.cookies()).some((c) => c.name.includes("session-token"))) throw new Error(`sign-in failed for ${email}: HTTP ${res.status()}`);
}

/**
 * A new window signed in, on `path` (the ticket list unless given) with a
 * live connection. The first window of each user (per browser and server)
 * signs in over HTTP (signInOverHttp); later ones are further tabs of that
 * user's browser context, which spares a sign-in per window and, with
 * the shared renderer above, a renderer process each. A window meant for a
 * ticket opens on it: loading the list first and then the ticket cost a
 * whole page more (about 0.7 CPU-s of server and Chromium) per window.
 * A context a test closed for real (`page.context().close()`) is made again,
 * from the session's cookies.
 */
export async function signedInPage(browser: Browser, baseURL: string, email: string, password: string, path = "/tickets"): Promise<{ context: BrowserContext; page: Page }> {
  const key = `${baseURL} ${email}`;
  if (!shared.has(browser)) shared.set(browser, new Map());
  const users = shared.get(browser)!;
  let entry = users.get(key);
  if (entry && entry.anchor.isClosed()) {
    users.delete(key);
    entry = undefined;
  }
  const page = entry ? await entry.context.newPage() : undefined;
  if (entry && page) {
    await page.goto(path);
  } else {
    const known = sessions.get(browser)?.get(key);
    const context = await browser.newContext({ baseURL, ...(known ? { storageState: { cookies: known, origins: [] } } : {}) });
    context.setDefaultTimeout(20_000);
    // A same-site document with no scripts of the app: it keeps the renderer the user's tabs share.
    const anchor = await context.newPage();
    await anchor.goto("/api/ready");
    entry = { context, anchor };
    context.once("close", () => users.get(key) === entry && users.delete(key));
    users.set(key, entry);
    if (!known) {
      await signInOverHttp(context, email, password);
      if (!sessions.has(browser)) sessions.set(browser, new Map());
      sessions.get(browser)!.set(key, await context.cookies());
    }
    const first = await context.newPage();
    await first.goto(path);
    await first.getByRole("status").filter({ hasText: "Connected" }).waitFor();
    return { context: windowContext(entry), page: first };
  }
  await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
  return { context: windowContext(entry), page };
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
