/**
 * Browser test: search as you type (issue 10). Typing a word said only in a
 * comment into the ticket list's search box shows that ticket with the word
 * highlighted in a snippet, without pressing Enter, and the URL follows.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launchChromium, signedInPage, windowsClosedAfterEachTest } from "../helpers/browser";
import { api, signIn, startServer, type TestServer } from "../helpers/server";
import { freePort } from "../helpers/services";

let server: TestServer;
let browser: Browser;
const contexts = windowsClosedAfterEachTest();

before(async () => {
  const port = await freePort();
  server = await startServer({ port, env: { APP_URL: `http://127.0.0.1:${port}` } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("typing a word said only in a comment shows its ticket with a highlighted snippet, without Enter", async () => {
  const word = `quillofax${Date.now().toString(36).replace(/\d/g, "")}`;
  const alice = await signIn(server.url, "alice@example.com");
  const agent = await signIn(server.url, "agent@example.com");
  const created = await api<{ id: string; title: string }>(server.url, alice, "POST", "/api/tickets", { title: "Projector shows no picture", description: "Meeting room 2." });
  assert.equal(created.status, 201);
  const posted = await api(server.url, agent, "POST", `/api/tickets/${created.body.id}/comments`, { body: `Switch the ${word} input to HDMI 2, please.` });
  assert.equal(posted.status, 201);

  const { context, page } = await signedInPage(browser, server.url, "agent@example.com", server.password);
  contexts.push(context);
  const box = page.getByRole("searchbox", { name: "Search" });
  await box.waitFor();
  const sortOptions = () => page.getByLabel("Sort").locator("option").allTextContents();
  assert.ok(!(await sortOptions()).includes("Best match"), "no best match without a search");
  // A mark on this document: gone if typing loaded another page.
  await page.evaluate(() => ((window as unknown as { searchMark: number }).searchMark = 1));
  // One key at a time, as a person types: the list follows after the pause.
  await box.pressSequentially(word.slice(0, 7), { delay: 40 });
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: /Projector shows no picture/ }) });
  const mark = row.locator(".search-snippet mark");
  await mark.first().waitFor({ timeout: 15_000 });
  assert.equal((await mark.first().textContent())?.toLowerCase(), word, "the whole word is highlighted for its prefix");
  assert.match((await row.locator(".search-snippet").textContent()) ?? "", /Comment:.*input to HDMI 2/);
  assert.equal(await page.getByRole("row").count(), 2, "header and the one hit");
  assert.equal(await page.getByLabel("Sort").evaluate((el: HTMLSelectElement) => el.selectedOptions[0]?.textContent), "Best match", "a search is ordered by relevance");
  // The URL follows the search (replaceState, no navigation per keystroke).
  await page.waitForFunction((w) => new URL(location.href).searchParams.get("q") === w, word.slice(0, 7));
  assert.equal(await page.evaluate(() => (window as unknown as { searchMark?: number }).searchMark), 1, "the same document: no page load per keystroke");
  // The box kept focus and what was typed.
  assert.equal(await box.inputValue(), word.slice(0, 7));
  assert.ok(await box.evaluate((el) => el === document.activeElement));
  // Clearing it brings the whole list back.
  await box.fill("");
  await page.waitForFunction(() => !new URL(location.href).searchParams.has("q"));
  await page.waitForFunction(() => document.querySelectorAll("tbody tr").length > 1);
  assert.equal(await page.locator(".search-snippet").count(), 0);
  assert.ok(!(await sortOptions()).includes("Best match"), "no best match once the search is cleared");
});

test("after a typed search, Clear and the Tickets link show the whole list again, and a view saved then keeps the search", async () => {
  const word = `zorblax${Date.now().toString(36).replace(/\d/g, "")}`;
  const alice = await signIn(server.url, "alice@example.com");
  const made = await api<{ id: string }>(server.url, alice, "POST", "/api/tickets", { title: `Badge reader ${word}`, description: "Door 3.", priority: "HIGH" });
  assert.equal(made.status, 201);
  const { context, page } = await signedInPage(browser, server.url, "agent@example.com", server.password);
  contexts.push(context);
  const rows = page.locator("tbody tr[data-ticket-id]");
  await rows.first().waitFor();
  const whole = await rows.count();
  assert.ok(whole > 1, `the list has ${whole} rows`);
  const box = page.getByRole("searchbox", { name: "Search" });
  const heading = page.getByRole("heading", { level: 1 });

  const searchFor = async () => {
    await box.fill(word);
    await page.waitForFunction((w) => new URL(location.href).searchParams.get("q") === w, word);
    await page.waitForFunction(() => document.querySelectorAll("tbody tr[data-ticket-id]").length === 1);
  };
  const wholeListBack = async (how: string) => {
    await page.waitForFunction((n) => document.querySelectorAll("tbody tr[data-ticket-id]").length === n, whole, { timeout: 15_000 }).catch(() => {
      throw new Error(`${how}: the list kept the search's rows`);
    });
    assert.equal(await box.inputValue(), "", `${how}: the box is empty`);
    assert.equal(await heading.textContent(), "All tickets", how);
  };

  await searchFor();
  assert.equal(await heading.textContent(), "Filtered tickets", "the heading follows the typed search");
  await page.getByRole("link", { name: "Clear" }).click();
  await wholeListBack("Clear");

  await searchFor();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tickets" }).click();
  await wholeListBack("the Tickets link");

  // A typed search is a filter that can be saved, and the view keeps it.
  await searchFor();
  await page.getByRole("button", { name: "Save this view" }).click();
  await page.getByLabel("View name").fill(`Badges ${word}`);
  await page.getByLabel("View name").press("Enter");
  const views = page.getByRole("navigation", { name: "Views" });
  const saved = views.getByRole("link", { name: new RegExp(`^Badges ${word}`) });
  await saved.waitFor();
  await page.waitForFunction(() => document.activeElement?.getAttribute("aria-current") === "page");
  assert.match((await page.evaluate(() => document.activeElement?.textContent)) ?? "", new RegExp(`Badges ${word}`), "focus is on the saved view");
  const agent = await signIn(server.url, "agent@example.com");
  const listed = await api<{ items: { name: string; filter: { q?: string }; count: number }[] }>(server.url, agent, "GET", "/api/views");
  const view = listed.body.items.find((v) => v.name === `Badges ${word}`);
  assert.equal(view?.filter.q, word, JSON.stringify(listed.body));
  assert.equal(view?.count, 1);
  assert.equal(await heading.textContent(), `Badges ${word}`, "the heading names the view");

  // Removing it puts focus on what took its place, not on the page's top.
  await views.getByRole("button", { name: `Remove view Badges ${word}` }).click();
  await saved.waitFor({ state: "detached" });
  assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), "BODY");
  assert.ok(await page.evaluate(() => Boolean(document.activeElement?.closest('nav[aria-label="Views"]'))), "focus stays in the views");
});
