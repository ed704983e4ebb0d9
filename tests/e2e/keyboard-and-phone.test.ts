/**
 * Browser test: keyboard shortcuts (`/`, `j`/`k`, Enter, `r`, `n`, `?`) and
 * the phone layout (issue 10: small screens and keyboards), and links that
 * prefetch on intent, not on sight (src/components/ui/link.tsx).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchChromium, signedInPage } from "../helpers/browser";
import { api, signIn, startServer, type TestServer } from "../helpers/server";
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

/** Leave whatever field has focus, so the next key is the page's. */
const blur = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? "");
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? "");

test("keyboard: / focuses search, j/k move through the list, Enter opens, r and n start a reply or a note, ? lists them", async () => {
  const { context, page } = await signedInPage(browser, server.url, "agent@example.com", server.password);
  try {
    const rows = page.locator("tr[data-ticket-id]");
    await rows.first().waitFor();
    const titles = await rows.locator(".cell-title a").allTextContents();
    assert.ok(titles.length >= 2);

    await page.keyboard.press("/");
    assert.equal(await focusedId(page), "filter-q");
    await page.keyboard.press("Escape");
    await blur(page);

    await page.keyboard.press("j");
    assert.equal(await focusedText(page), titles[0]);
    await page.keyboard.press("j");
    assert.equal(await focusedText(page), titles[1]);
    await page.keyboard.press("k");
    assert.equal(await focusedText(page), titles[0]);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/tickets\/[^/]+$/);
    await page.getByLabel("Comment").waitFor();

    await blur(page);
    await page.keyboard.press("n");
    assert.equal(await focusedId(page), "comment-body");
    // The shortcut's state change renders a moment after the focus moves.
    await eventually("n ticks Internal note", async () => await page.getByLabel("Internal note").isChecked());
    await blur(page);
    await page.keyboard.press("r");
    assert.equal(await focusedId(page), "comment-body");
    await eventually("r unticks Internal note", async () => !(await page.getByLabel("Internal note").isChecked()));

    // Typing in a field is never a shortcut.
    await page.keyboard.type("r/n?");
    assert.equal(await page.getByLabel("Comment").inputValue(), "r/n?");
    await page.getByLabel("Comment").fill("");

    await blur(page);
    await page.keyboard.press("?");
    const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? "", /Focus the search box/);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  } finally {
    await context.close();
  }
});

test("links prefetch on intent: a list in view prefetches nothing, a pointer over a ticket's link prefetches that ticket, and the click opens it", async () => {
  const { context, page } = await signedInPage(browser, server.url, "agent@example.com", server.password);
  try {
    // Next marks its prefetches with this header; each is a server render of the linked page for this user.
    const prefetched: string[] = [];
    page.on("request", (r) => {
      if (!r.headers()["next-router-prefetch"]) return;
      const url = new URL(r.url());
      url.searchParams.delete("_rsc"); // Next's cache-busting key
      prefetched.push(url.pathname + url.search);
    });
    // Loaded again now that every request is watched.
    await page.goto("/tickets");
    const rows = page.locator("tr[data-ticket-id]");
    await rows.first().waitFor();
    assert.ok((await rows.count()) >= 2);
    // Next prefetches what is in view once the page is idle after hydration:
    // with viewport prefetching, this list made over a dozen within the first second.
    await page.waitForLoadState("networkidle");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(prefetched.length, 0, `nothing is prefetched on sight, but: ${prefetched.join(", ")}`);

    const first = rows.first();
    const id = await first.getAttribute("data-ticket-id");
    await first.locator(".cell-title a").hover();
    await eventually("the hovered ticket is prefetched", async () => prefetched.includes(`/tickets/${id}`));
    assert.deepEqual(new Set(prefetched), new Set([`/tickets/${id}`]), "only the hovered link is prefetched");
    await first.locator(".cell-title a").click();
    await page.waitForURL(new RegExp(`/tickets/${id}$`));
    await page.getByLabel("Comment").waitFor();
  } finally {
    await context.close();
  }
});

test("views: the heading names the view, and its count moves live when a ticket changes elsewhere", async () => {
  const { context, page } = await signedInPage(browser, server.url, "admin@example.com", server.password);
  try {
    const views = page.getByRole("navigation", { name: "Views" });
    await views.getByRole("link", { name: /^Urgent/ }).click();
    await page.waitForURL(/priority=URGENT/);
    await page.getByRole("heading", { level: 1, name: "Urgent" }).waitFor();
    const urgent = views.getByRole("link", { name: /^Urgent/ });
    const countOf = async () => Number(/(\d+)/.exec((await urgent.textContent()) ?? "")?.[1]);
    const before = await countOf();

    // Another agent raises a ticket to Urgent: the count moves without a reload.
    const cookie = await signIn(server.url, "agent@example.com");
    const list = await api<{ items: { id: string; priority: string; status: string }[] }>(server.url, cookie, "GET", "/api/tickets?state=open");
    const target = list.body.items.find((t) => t.priority !== "URGENT")!;
    assert.equal((await api(server.url, cookie, "PATCH", `/api/tickets/${target.id}`, { priority: "URGENT" })).status, 200);
    const deadline = Date.now() + 10_000;
    while ((await countOf()) !== before + 1) {
      assert.ok(Date.now() < deadline, `the Urgent count stayed at ${await countOf()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.locator(`tr[data-ticket-id="${target.id}"]`).waitFor();
  } finally {
    await context.close();
  }
});

test("bulk: an admin assigns two selected tickets at once, each applied and reported, live in an agent's list", async () => {
  const admin = await signedInPage(browser, server.url, "admin@example.com", server.password);
  const agent = await signedInPage(browser, server.url, "agent@example.com", server.password);
  try {
    const page = admin.page;
    const rows = page.locator("tr[data-ticket-id]");
    await rows.nth(1).waitFor();
    const ids = [await rows.nth(0).getAttribute("data-ticket-id"), await rows.nth(1).getAttribute("data-ticket-id")];
    for (const id of ids) await page.locator(`tr[data-ticket-id="${id}"] input[type=checkbox]`).check();
    const bar = page.getByRole("region", { name: "Bulk actions" });
    await bar.getByText("2 selected").waitFor();
    await bar.getByLabel("Assign to").selectOption({ label: "Sam Agent" });
    await bar.getByRole("button", { name: "Apply to 2" }).click();
    await page.getByRole("status").filter({ hasText: "Done: 2 changed." }).waitFor();
    for (const id of ids) {
      await page.locator(`tr[data-ticket-id="${id}"] td[data-label="Assignee"]`).filter({ hasText: "Sam Agent" }).waitFor();
      // The agent's list follows without a reload.
      await agent.page.locator(`tr[data-ticket-id="${id}"] td[data-label="Assignee"]`).filter({ hasText: "Sam Agent" }).waitFor();
    }
  } finally {
    await admin.context.close();
    await agent.context.close();
  }
});

test("phone: several tickets per screen, and status, priority and assignee above the conversation", async () => {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  try {
    await page.goto("/login");
    await page.getByLabel("Email").fill("agent@example.com");
    await page.getByLabel("Password").fill(server.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/tickets$/);
    const rows = page.locator("tr[data-ticket-id]");
    await rows.first().waitFor();
    const boxes = await rows.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().bottom));
    const onScreen = boxes.filter((bottom) => bottom <= 844).length;
    if (process.env.E2E_SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.E2E_SCREENSHOT_DIR}/phone-list.png` });
    assert.ok(onScreen >= 3, `only ${onScreen} ticket(s) on the first phone screen`);
    // The search box is there; the other filters open under "Filters".
    await page.getByRole("searchbox", { name: "Search" }).waitFor();
    assert.equal(await page.getByLabel("Priority").isVisible(), false);
    await page.getByRole("button", { name: "Filters" }).click();
    await page.getByLabel("Priority").selectOption("URGENT");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/priority=URGENT/);
    await page.getByRole("button", { name: "Filters (1)", expanded: true }).waitFor();
    await page.goto("/tickets");
    await rows.first().waitFor();

    await rows.first().locator(".cell-title a").click();
    await page.waitForURL(/\/tickets\/[^/]+$/);
    const status = await page.getByLabel("Status").boundingBox();
    const conversation = await page.getByRole("heading", { name: /^Conversation/ }).boundingBox();
    assert.ok(status && conversation);
    assert.ok(status.y + status.height <= 844, `the status select is below the first screen (y=${status.y})`);
    assert.ok(status.y < conversation.y, "the workflow fields come before the conversation");
    for (const label of ["Priority", "Assignee"]) {
      const box = await page.getByLabel(label).boundingBox();
      assert.ok(box && box.y < conversation.y, `${label} comes before the conversation`);
    }
  } finally {
    await context.close();
  }
});

async function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
