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

    // The bell's panel opens on the screen, whole (it opened mostly off its left edge).
    await page.getByRole("button", { name: /^Notifications/ }).click();
    const panel = await page.getByRole("region", { name: "Notifications" }).boundingBox();
    assert.ok(panel, "the panel opened");
    assert.ok(panel.x >= 0 && panel.x + panel.width <= 390, `the panel is off the screen: x=${panel.x}, width=${panel.width}`);
    assert.ok(panel.width >= 300, `the panel is too narrow to read: ${panel.width}`);
    // The name in the header is cut with an ellipsis, not mid-letter.
    assert.equal(await page.locator(".user-chip__name").evaluate((el) => getComputedStyle(el).textOverflow), "ellipsis");
  } finally {
    await context.close();
  }
});

test("phone: an admin's pages fit the screen (the menu wraps), and a long unbroken title breaks instead of widening the list", async () => {
  const adminCookie = await signIn(server.url, "admin@example.com");
  const long = `Printer${"x".repeat(150)}failure`;
  const made = await api<{ id: string }>(server.url, adminCookie, "POST", "/api/tickets", { title: long, description: "A title without a place to break." });
  assert.equal(made.status, 201);
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  try {
    await page.goto("/login");
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill(server.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/tickets$/);
    const wide = () => page.evaluate(() => document.documentElement.scrollWidth);
    await page.locator("tr[data-ticket-id]").first().waitFor();
    assert.ok((await wide()) <= 390, `the ticket list is ${await wide()} px wide on a 390 px screen`);
    for (const path of ["/admin/settings", "/admin/audit", "/admin/mail", "/admin/users"]) {
      await page.goto(path);
      await page.getByRole("heading", { level: 1 }).waitFor();
      assert.ok((await wide()) <= 390, `${path} is ${await wide()} px wide on a 390 px screen`);
      const nav = page.getByRole("navigation", { name: "Main" });
      for (const name of ["Settings", "Audit log", "Mail", "Realtime health"]) {
        const box = await nav.getByRole("link", { name }).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${name} is off the screen on ${path}`);
      }
    }
  } finally {
    await context.close();
  }
});

/** The focused element's accessible bits, to say where focus is. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return { tag: el?.tagName ?? "", label: el?.getAttribute("aria-label") ?? el?.textContent?.trim() ?? "", id: el?.id ?? "", inDialog: Boolean(el?.closest("dialog")) };
  });
/** The text of the elements a field's aria-describedby names. */
const description = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) =>
    (el.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent?.trim() ?? `(missing #${id})`),
  );

test("keyboard: focus goes where the work goes on (shortcuts list, a removed tag), the list stays in its dialog, the bell closes when left, and Add files shows focus", async () => {
  const agentCookie = await signIn(server.url, "agent@example.com");
  const alice = await signIn(server.url, "alice@example.com");
  const made = await api<{ id: string }>(server.url, alice, "POST", "/api/tickets", { title: "Keyboard focus ticket", description: "Tab tab tab." });
  assert.equal(made.status, 201);
  assert.equal((await api(server.url, agentCookie, "POST", `/api/tickets/${made.body.id}/tags`, { add: ["alpha", "beta"] })).status, 200);
  const { context, page } = await signedInPage(browser, server.url, "agent@example.com", server.password);
  try {
    // The shortcuts are on screen, not only behind "?".
    const opener = page.getByRole("button", { name: /^Keyboard shortcuts/ });
    await opener.waitFor();
    const rows = page.locator("tr[data-ticket-id]");
    await rows.first().waitFor();
    await blur(page);
    await page.keyboard.press("j");
    const row = await focusedText(page);
    await page.keyboard.press("?");
    const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await dialog.waitFor();
    // A modal dialog: Tab goes round its controls and out to the browser, never to the page behind it.
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press("Tab");
      const at = await focused(page);
      assert.ok(at.inDialog || at.tag === "BODY", `Tab ${i + 1} reached the page behind the dialog: ${at.tag} ${at.label.slice(0, 80)}`);
    }
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    assert.equal(await focusedText(page), row, "focus is back on the row it was on");
    await opener.click();
    await dialog.waitFor();
    await page.keyboard.press("Enter"); // on Close
    await dialog.waitFor({ state: "detached" });
    assert.match((await focused(page)).label, /^Keyboard shortcuts/, "back on the button that opened it");

    // Leaving the open bell by Tab closes its panel.
    const bell = page.getByRole("button", { name: /^Notifications/ });
    await bell.focus();
    await page.keyboard.press("Enter");
    const panel = page.getByRole("region", { name: "Notifications" });
    await panel.waitFor();
    for (let i = 0; i < 8 && (await panel.isVisible()); i++) await page.keyboard.press("Tab");
    assert.equal(await panel.isVisible(), false, "the panel closed once focus left it");

    // A removed tag's button takes focus with it: focus moves to the next tag, then to the add box.
    await page.goto(`/tickets/${made.body.id}`);
    await page.getByRole("button", { name: "Remove tag alpha" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Remove tag alpha" }).waitFor({ state: "detached" });
    await eventually("focus is on the next tag", async () => (await focused(page)).label === "Remove tag beta");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Remove tag beta" }).waitFor({ state: "detached" });
    await eventually("focus is on the add box", async () => (await focused(page)).label === "Add tag");

    // The reply box is a text box (not a combobox), and Add files shows keyboard focus.
    const box = page.getByRole("textbox", { name: "Comment" });
    await box.waitFor();
    assert.equal(await page.getByRole("combobox", { name: "Comment" }).count(), 0);
    await box.focus();
    for (let i = 0; i < 6 && !(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type === "file")); i++) await page.keyboard.press("Tab");
    const ring = await page.locator(".comment-form__add-files").evaluate((el) => getComputedStyle(el).outlineStyle);
    assert.notEqual(ring, "none", "the Add files label shows its input's focus");
  } finally {
    await context.close();
  }
});

test("forms: an error is read on its field and focus goes there (password, name, canned reply, new user), and editing a canned reply moves focus in and back", async () => {
  const { context, page } = await signedInPage(browser, server.url, "admin@example.com", server.password, "/account");
  try {
    const password = page.getByRole("form", { name: "Change password" });
    await password.getByRole("button", { name: "Change password" }).click();
    await eventually("focus is on the current password", async () => (await focused(page)).id === "account-current-password");
    assert.deepEqual(await description(page, "#account-current-password"), ["Enter your current password"]);
    assert.match((await description(page, "#account-new-password")).join(" "), /at least 8 characters/);

    await page.locator("#account-name").fill("");
    await page.getByRole("button", { name: "Save name" }).click();
    await eventually("focus is on the name", async () => (await focused(page)).id === "account-name");
    assert.equal(await page.locator("#account-name").getAttribute("aria-invalid"), "true");
    assert.equal((await description(page, "#account-name")).length, 1);

    // A new user's password error keeps the field's hint described too.
    await page.goto("/admin/users");
    const add = page.getByRole("form", { name: "Add a user" });
    await add.getByLabel("Email").fill(`short-${Date.now()}@example.com`);
    await add.getByLabel("Name").fill("Shorty");
    await add.getByLabel("Password (optional)").fill("x");
    await add.getByRole("button", { name: "Add user" }).click();
    await eventually("the password is invalid", async () => (await page.locator("#new-user-password").getAttribute("aria-invalid")) === "true");
    const said = await description(page, "#new-user-password");
    assert.equal(said.length, 2, JSON.stringify(said));
    assert.match(said.join(" "), /at least 8 characters/);
    assert.match(said.join(" "), /Leave empty/);

    const cookie = await signIn(server.url, "admin@example.com");
    for (const title of ["Aaa focus one", "Aab focus two"]) {
      assert.equal((await api(server.url, cookie, "POST", "/api/canned-replies", { title, body: `Text of ${title}`, shared: false })).status, 201);
    }
    await page.goto("/canned-replies");
    const edit = page.getByRole("button", { name: "Edit Aaa focus one" });
    await edit.click();
    await eventually("focus is on the title", async () => (await focused(page)).tag === "INPUT" && (await focused(page)).id.endsWith("-title"));
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.press("Backspace");
    await page.keyboard.press("Enter");
    const titleId = (await focused(page)).id;
    await eventually("the title is invalid", async () => (await page.locator(`[id="${titleId}"]`).getAttribute("aria-invalid")) === "true");
    assert.equal((await description(page, `[id="${titleId}"]`)).length, 1);
    await page.getByRole("button", { name: "Cancel" }).click();
    await eventually("focus is back on Edit", async () => /^Edit Aaa focus one/.test((await focused(page)).label));
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Delete Aaa focus one" }).click();
    await edit.waitFor({ state: "detached" });
    await eventually("focus moved to the next reply", async () => /^Edit Aab focus two/.test((await focused(page)).label));
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
