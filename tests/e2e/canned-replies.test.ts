/**
 * Browser test: canned replies in the reply box (issue 10). An agent types
 * `/` and part of a title, picks the reply from the list, and the box holds
 * its text with the placeholders expanded for this ticket; then sends it.
 * Live, in two windows: a shared reply an admin saves shows up in an agent's
 * open `/` picker and management page without a reload, and goes when
 * deleted; a personal one follows its owner's other tab.
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

test("an agent types /refu, picks the canned reply, and sends the expanded text", async () => {
  const alice = await signIn(server.url, "alice@example.com");
  const ticket = await api<{ id: string; number: number; title: string }>(server.url, alice, "POST", "/api/tickets", { title: "Charged twice", description: "Please refund one", priority: "LOW" });
  assert.equal(ticket.status, 201);
  const agent = await signIn(server.url, "agent@example.com");
  const body = "Hi {{requester.firstName}}, the refund for #{{ticket.number}} is on its way. {{unknown}} — {{agent.name}}";
  assert.equal((await api(server.url, agent, "POST", "/api/canned-replies", { title: "Refund issued", body, shared: false })).status, 201);
  assert.equal((await api(server.url, agent, "POST", "/api/canned-replies", { title: "Password reset", body: "Use the link", shared: false })).status, 201);

  const { context, page } = await signedInPage(browser, server.url, "agent@example.com", server.password, `/tickets/${ticket.body.id}`);
  contexts.push(context);
  await page.getByRole("heading", { level: 1, name: /Charged twice/ }).waitFor();
  await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();

  const box = page.getByRole("textbox", { name: "Comment" });
  await box.click();
  await box.pressSequentially("/refu");
  const options = page.getByRole("listbox", { name: "Canned replies" }).getByRole("option");
  await options.first().waitFor();
  assert.deepEqual(await options.allTextContents(), ["Refund issued personal"], "filtered by what follows the slash");
  await box.press("Enter");

  const expected = `Hi Alice, the refund for #${ticket.body.number} is on its way. {{unknown}} — Sam Agent`;
  await page.waitForFunction((text) => (document.getElementById("comment-body") as HTMLTextAreaElement | null)?.value === text, expected);
  assert.equal(await page.getByRole("listbox", { name: "Canned replies" }).count(), 0, "the picker closed");

  // Escape closes a picker opened again, leaving the text alone.
  await box.fill("");
  await box.pressSequentially("/");
  await options.first().waitFor();
  await box.press("Escape");
  assert.equal(await page.getByRole("listbox", { name: "Canned replies" }).count(), 0);
  await box.fill("");
  await page.getByRole("button", { name: "Canned replies" }).click();
  await page.getByRole("option", { name: /Refund issued/ }).click();
  await page.waitForFunction((text) => (document.getElementById("comment-body") as HTMLTextAreaElement | null)?.value === text, expected);

  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.getByRole("region", { name: /^Conversation/ }).getByRole("listitem").filter({ hasText: expected }).waitFor();
  const comments = await api<{ items: { body: string }[] }>(server.url, alice, "GET", `/api/tickets/${ticket.body.id}/comments`);
  assert.ok(comments.body.items.some((c) => c.body === expected), "the requester reads the expanded reply");
});

test("the management page: an agent reaches it from the nav, creates, edits and deletes a personal reply; no shared switch", async () => {
  const { context, page } = await signedInPage(browser, server.url, "agent@example.com", server.password);
  contexts.push(context);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Canned replies" }).click();
  await page.getByRole("heading", { level: 1, name: "Canned replies" }).waitFor();
  const form = page.getByRole("form", { name: "New canned reply" });
  assert.equal(await form.getByRole("checkbox", { name: /Shared/ }).count(), 0, "agents do not create shared replies");
  await form.getByLabel("Title").fill("Closing note");
  await form.getByLabel("Text").fill("Thanks {{requester.firstName}}!");
  await form.getByRole("button", { name: "Save canned reply" }).click();
  const item = page.locator(".canned-list > li").filter({ hasText: "Closing note" });
  await item.waitFor();
  await item.getByRole("button", { name: /Edit/ }).click();
  const edit = page.getByRole("form", { name: "Edit Closing note" });
  await edit.getByLabel("Title").fill("Closing words");
  await edit.getByRole("button", { name: "Save", exact: true }).click();
  await page.locator(".canned-list > li").filter({ hasText: "Closing words" }).waitFor();
  page.once("dialog", (d) => void d.accept());
  await page.locator(".canned-list > li").filter({ hasText: "Closing words" }).getByRole("button", { name: /Delete/ }).click();
  await page.locator(".canned-list > li").filter({ hasText: "Closing words" }).waitFor({ state: "detached" });
  const agent = await signIn(server.url, "agent@example.com");
  const listed = await api<{ items: { title: string }[] }>(server.url, agent, "GET", "/api/canned-replies");
  assert.ok(!listed.body.items.some((r) => r.title.startsWith("Closing")));

  const alice = await signedInPage(browser, server.url, "alice@example.com", server.password);
  contexts.push(alice.context);
  assert.equal(await alice.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Canned replies" }).count(), 0, "not in a requester's nav");
  const res = await alice.page.goto("/canned-replies");
  assert.equal(res?.status(), 404);
});

test("live: a shared reply saved in the admin's window appears in the agent's open picker and page without reload, and goes when deleted", { timeout: 180_000 }, async () => {
  const alice = await signIn(server.url, "alice@example.com");
  const ticket = await api<{ id: string; number: number }>(server.url, alice, "POST", "/api/tickets", { title: "Where is my parcel", description: "It is late", priority: "LOW" });
  assert.equal(ticket.status, 201);

  // The agent: a ticket with the picker's list already read once, and the management page in a second tab.
  const agent = await signedInPage(browser, server.url, "agent@example.com", server.password, `/tickets/${ticket.body.id}`);
  contexts.push(agent.context);
  const page = agent.page;
  await page.getByRole("heading", { level: 1, name: /Where is my parcel/ }).waitFor();
  await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
  const box = page.getByRole("textbox", { name: "Comment" });
  const picker = page.getByRole("listbox", { name: "Canned replies" });
  await box.click();
  await box.pressSequentially("/");
  await picker.getByRole("option").first().waitFor();
  assert.equal(await picker.getByRole("option", { name: /Shipping delay/ }).count(), 0);
  await box.press("Escape");
  await box.fill("");
  const manager = await agent.context.newPage();
  await manager.goto("/canned-replies");
  await manager.getByRole("heading", { level: 1, name: "Canned replies" }).waitFor();
  await manager.getByRole("status").filter({ hasText: "Connected" }).waitFor();

  // The admin saves a shared reply in another window.
  const admin = await signedInPage(browser, server.url, "admin@example.com", server.password, "/canned-replies");
  contexts.push(admin.context);
  const form = admin.page.getByRole("form", { name: "New canned reply" });
  await form.getByLabel("Title").fill("Shipping delay");
  await form.getByLabel("Text").fill("Hi {{requester.firstName}}, #{{ticket.number}} ships next week.");
  await form.getByRole("checkbox", { name: "Shared with all staff" }).check();
  await form.getByRole("button", { name: "Save canned reply" }).click();
  await form.getByRole("status").filter({ hasText: "Saved “Shipping delay”." }).waitFor();

  // No reload anywhere on the agent's side.
  const item = manager.locator(".canned-list > li").filter({ hasText: "Shipping delay" });
  await item.waitFor();
  assert.match((await item.textContent()) ?? "", /Shared/);
  assert.equal(await item.getByRole("button", { name: /Edit/ }).count(), 0, "agents do not edit shared replies");
  await box.click();
  await box.pressSequentially("/ship");
  await picker.getByRole("option", { name: /Shipping delay/ }).waitFor();
  assert.deepEqual(await picker.getByRole("option").allTextContents(), ["Shipping delay shared"]);
  await box.press("Enter");
  const expected = `Hi Alice, #${ticket.body.number} ships next week.`;
  await page.waitForFunction((text) => (document.getElementById("comment-body") as HTMLTextAreaElement | null)?.value === text, expected);

  // The admin deletes it: gone from the agent's page and picker, still without a reload.
  admin.page.once("dialog", (d) => void d.accept());
  await admin.page.locator(".canned-list > li").filter({ hasText: "Shipping delay" }).getByRole("button", { name: /Delete/ }).click();
  await item.waitFor({ state: "detached" });
  await box.fill("");
  await box.pressSequentially("/ship");
  await page.getByText("No canned reply matches “ship”.").waitFor();
  await box.press("Escape");
  await box.fill("");

  // A personal reply saved in the agent's management tab reaches their ticket tab's picker; not the admin's page.
  const mine = manager.getByRole("form", { name: "New canned reply" });
  await mine.getByLabel("Title").fill("Personal sign-off");
  await mine.getByLabel("Text").fill("Best, {{agent.name}}");
  await mine.getByRole("button", { name: "Save canned reply" }).click();
  await box.click();
  await box.pressSequentially("/sign");
  await picker.getByRole("option", { name: /Personal sign-off/ }).waitFor();
  await box.press("Escape");
  await admin.page.waitForTimeout(500);
  assert.equal(await admin.page.locator(".canned-list > li").filter({ hasText: "Personal sign-off" }).count(), 0, "another person's personal reply never shows");
});
