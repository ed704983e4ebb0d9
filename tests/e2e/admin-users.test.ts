/**
 * Browser test (issue 10): an admin adds an agent on /admin/users, the agent
 * signs in with the password the admin set and works a ticket (changes its
 * status), and the requester closes and reopens their own ticket.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { eventually, launchChromium, signedInPage, windowsClosedAfterEachTest } from "../helpers/browser";
import { api, signIn, startServer, type TestServer } from "../helpers/server";
import { freePort } from "../helpers/services";

let server: TestServer;
let browser: Browser;
const contexts = windowsClosedAfterEachTest();
type TicketDTO = { id: string; title: string; status: string };

before(async () => {
  const port = await freePort();
  server = await startServer({ port, env: { APP_URL: `http://127.0.0.1:${port}` } });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("an admin adds an agent in the UI; the agent signs in and changes a ticket's status", { timeout: 180_000 }, async () => {
  const alice = await signIn(server.url, "alice@example.com");
  const created = await api<TicketDTO>(server.url, alice, "POST", "/api/tickets", { title: "Laptop will not boot", description: "Black screen." });
  assert.equal(created.status, 201);
  const ticket = created.body;

  const admin = await signedInPage(browser, server.url, "admin@example.com", server.password);
  contexts.push(admin.context);
  await admin.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await admin.page.getByRole("heading", { level: 1, name: "Users" }).waitFor();
  const email = `zoe-${randomBytes(3).toString("hex")}@example.com`;
  const form = admin.page.getByRole("form", { name: "Add a user" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Name").fill("Zoe Agent");
  await form.getByLabel("Role").selectOption("AGENT");
  await form.getByLabel("Password (optional)").fill("zoe-password-1");
  await form.getByRole("button", { name: "Add user" }).click();
  await form.getByRole("status").filter({ hasText: "Added Zoe Agent." }).waitFor();
  const row = admin.page.getByRole("table", { name: "Users" }).getByRole("row").filter({ hasText: email });
  assert.equal(await row.getByLabel("Role of Zoe Agent").inputValue(), "AGENT");

  const zoe = await signedInPage(browser, server.url, email, "zoe-password-1", `/tickets/${ticket.id}`);
  contexts.push(zoe.context);
  await zoe.page.getByRole("heading", { level: 1, name: /Laptop will not boot/ }).waitFor();
  await zoe.page.getByLabel("Status").selectOption("IN_PROGRESS");
  await eventually("the status is saved", async () => (await api<TicketDTO>(server.url, alice, "GET", `/api/tickets/${ticket.id}`)).body.status === "IN_PROGRESS");

  // The requester may close and reopen their own ticket from its page.
  const requester = await signedInPage(browser, server.url, "alice@example.com", server.password, `/tickets/${ticket.id}`);
  contexts.push(requester.context);
  await requester.page.getByRole("button", { name: "Close ticket" }).click();
  await requester.page.getByRole("button", { name: "Reopen ticket" }).waitFor();
  assert.equal((await api<TicketDTO>(server.url, alice, "GET", `/api/tickets/${ticket.id}`)).body.status, "CLOSED");
  await requester.page.getByRole("button", { name: "Reopen ticket" }).click();
  await requester.page.getByRole("button", { name: "Close ticket" }).waitFor();
  assert.equal((await api<TicketDTO>(server.url, alice, "GET", `/api/tickets/${ticket.id}`)).body.status, "OPEN");
});

test("a ticket page open while its viewer's role changes says to reload; reloaded, it shows what the new role may see", async () => {
  const adminCookie = await signIn(server.url, "admin@example.com");
  // An agent of its own, so the seeded accounts keep their roles.
  const email = `rory-${randomBytes(3).toString("hex")}@example.com`;
  const made = await api<{ user: { id: string } }>(server.url, adminCookie, "POST", "/api/users", { email, name: "Rory Agent", role: "AGENT", password: "rory-password-1" });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const rory = await signIn(server.url, email, "rory-password-1");
  const created = await api<TicketDTO>(server.url, rory, "POST", "/api/tickets", { title: "Monitor flickers", description: "Since Monday." });
  assert.equal(created.status, 201);
  const ticket = created.body;
  assert.equal((await api(server.url, adminCookie, "POST", `/api/tickets/${ticket.id}/comments`, { body: "Internal: check the warranty", internal: true })).status, 201);

  const { page, context } = await signedInPage(browser, server.url, email, "rory-password-1", `/tickets/${ticket.id}`);
  contexts.push(context);
  const note = page.getByText("Internal: check the warranty");
  await note.first().waitFor();
  assert.equal((await api(server.url, adminCookie, "PATCH", `/api/users/${made.body.user.id}`, { role: "REQUESTER" })).status, 200);
  await page.getByRole("alert").filter({ hasText: "What you may see of this ticket has changed. Reload the page." }).waitFor();

  // A link to the same ticket (the bell's, for a reply made since) renders the page again for the
  // new role: it starts over in the requester's numbering, not with the old role's events and seq.
  assert.equal((await api(server.url, adminCookie, "POST", `/api/tickets/${ticket.id}/comments`, { body: "A public answer for Rory" })).status, 201);
  const bell = page.getByRole("button", { name: /^Notifications/ });
  await page.waitForFunction(() => /Notifications, [1-9]/.test(document.querySelector(".notifications__button")?.getAttribute("aria-label") ?? ""));
  await bell.click();
  await page.getByRole("region", { name: "Notifications" }).getByRole("link").first().click();
  await page.getByText("A public answer for Rory").first().waitFor();
  await eventually("the old role's notes are gone", async () => (await note.count()) === 0);
  assert.equal(await page.getByRole("alert").filter({ hasText: "What you may see" }).count(), 0);
  assert.equal((await api(server.url, adminCookie, "POST", `/api/tickets/${ticket.id}/comments`, { body: "And one more, live" })).status, 201);
  await page.getByText("And one more, live").first().waitFor();

  await page.reload();
  await page.getByRole("heading", { level: 1, name: /Monitor flickers/ }).waitFor();
  await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
  assert.equal(await note.count(), 0, "the requester's page shows no internal note");
  assert.equal(await page.getByRole("alert").filter({ hasText: "What you may see" }).count(), 0);
});

test("settings forms save what they show: install settings, in-app and email switches", async () => {
  const admin = await signedInPage(browser, server.url, "admin@example.com", server.password, "/admin/settings");
  try {
    const page = admin.page;
    const signup = page.getByRole("checkbox", { name: /Self sign-up/ });
    const urgent = page.getByRole("checkbox", { name: "Urgent" });
    const wasOn = await signup.isChecked();
    const urgentWas = await urgent.isChecked();
    // Another admin changes another setting while this page is open: saving
    // this page's change must not put that one back.
    const cookie = await signIn(server.url, "admin@example.com");
    const priorities = (await api<{ requesterPriorities: string[] }>(server.url, cookie, "GET", "/api/settings")).body.requesterPriorities;
    const elsewhere = urgentWas ? priorities.filter((p) => p !== "URGENT") : [...priorities, "URGENT"];
    assert.equal((await api(server.url, cookie, "PUT", "/api/settings", { requesterPriorities: elsewhere })).status, 200);
    await signup.setChecked(!wasOn);
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved.").waitFor();
    const stored = await api<{ signupEnabled: boolean; requesterPriorities: string[] }>(server.url, cookie, "GET", "/api/settings");
    assert.equal(stored.body.signupEnabled, !wasOn);
    assert.equal(stored.body.requesterPriorities.includes("URGENT"), !urgentWas, "the other admin's change stays");
    assert.equal(await urgent.isChecked(), !urgentWas, "and the form shows it");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Nothing to save: no changes.").waitFor();
    assert.equal((await api(server.url, cookie, "PUT", "/api/settings", { requesterPriorities: priorities })).status, 200);

    await page.goto("/account");
    const inApp = page.getByRole("form", { name: "Notification settings" }).getByRole("checkbox").first();
    const inAppWas = await inApp.isChecked();
    await inApp.setChecked(!inAppWas);
    await page.getByRole("button", { name: "Save notification settings" }).click();
    await page.getByRole("form", { name: "Notification settings" }).getByText("Saved.").waitFor();
    const email = page.getByRole("form", { name: "Email settings" }).getByRole("checkbox").first();
    const emailWas = await email.isChecked();
    await email.setChecked(!emailWas);
    await page.getByRole("button", { name: "Save email settings" }).click();
    await page.getByRole("form", { name: "Email settings" }).getByText("Saved.").waitFor();
    await page.reload();
    assert.equal(await page.getByRole("form", { name: "Notification settings" }).getByRole("checkbox").first().isChecked(), !inAppWas);
    assert.equal(await page.getByRole("form", { name: "Email settings" }).getByRole("checkbox").first().isChecked(), !emailWas);
  } finally {
    await admin.context.close();
  }
});

test("a customer's screens speak to a customer: no empty-filter message, no column of their own name, their own notification hint, one message for a wrong password", async () => {
  const adminCookie = await signIn(server.url, "admin@example.com");
  const email = `cara-${randomBytes(3).toString("hex")}@example.com`;
  assert.equal((await api(server.url, adminCookie, "POST", "/api/users", { email, name: "Cara Customer", role: "REQUESTER", password: "cara-password-1" })).status, 201);
  const { page, context } = await signedInPage(browser, server.url, email, "cara-password-1", "/tickets");
  contexts.push(context);
  await page.getByText("You have no tickets yet.").waitFor();
  assert.equal(await page.getByText("No tickets match these filters.").count(), 0);

  const cara = await signIn(server.url, email, "cara-password-1");
  assert.equal((await api(server.url, cara, "POST", "/api/tickets", { title: "Invoice shows 120", description: "Should be 100." })).status, 201);
  await page.reload();
  await page.getByRole("link", { name: /Invoice shows 120/ }).waitFor();
  assert.equal(await page.getByRole("columnheader", { name: "Requester" }).count(), 0, "a requester's list has no Requester column");
  assert.equal(await page.getByRole("columnheader", { name: "Assignee" }).count(), 1);

  await page.goto("/account");
  await page.getByText("Support replies on a ticket you opened.").first().waitFor();
  assert.equal(await page.getByText("or are assigned to").count(), 0, "no staff wording");
  const form = page.getByRole("form", { name: "Change password" });
  await form.getByLabel("Current password").fill("not-my-password");
  await form.getByLabel("New password").fill("a-new-password-1");
  await form.getByRole("button", { name: "Change password" }).click();
  await page.getByText("Incorrect current password").waitFor();
  assert.equal(await page.getByText("Your current password is not correct").count(), 0, "said once, at the field");
});

test("users: a role or Active change is saved only when confirmed, with what it will do said first; the keyboard keeps its place; search, filters, Show more, and correcting an address", { timeout: 180_000 }, async () => {
  const adminCookie = await signIn(server.url, "admin@example.com");
  const tag = `crew${randomBytes(3).toString("hex")}`;
  const make = async (i: number, role: string) => {
    const res = await api<{ user: { id: string; name: string } }>(server.url, adminCookie, "POST", "/api/users", { email: `${tag}-${i}@example.com`, name: `Crew ${tag} ${String(i).padStart(2, "0")}`, role, password: "crew-password-1" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.user;
  };
  const agent = await make(0, "AGENT");
  for (let i = 1; i <= 54; i++) await make(i, "REQUESTER");
  // Two open tickets assigned to the agent.
  const alice = await signIn(server.url, "alice@example.com");
  for (const title of ["Crew one", "Crew two"]) {
    const t = await api<TicketDTO>(server.url, alice, "POST", "/api/tickets", { title, description: "x" });
    assert.equal((await api(server.url, adminCookie, "PATCH", `/api/tickets/${t.body.id}`, { assigneeId: agent.id })).status, 200);
  }
  const stored = async () => (await api<{ items: { id: string; role: string; active: boolean; email: string }[] }>(server.url, adminCookie, "GET", `/api/users?q=${tag}-0@`)).body.items[0]!;

  const { page, context } = await signedInPage(browser, server.url, "admin@example.com", server.password, `/admin/users?q=${tag}`);
  contexts.push(context);
  const table = page.getByRole("table", { name: "Users" });
  await table.getByRole("row").nth(1).waitFor();
  assert.equal(await table.locator("tbody tr").count(), 50, "a page of 50");
  await page.getByRole("button", { name: "Show more users" }).click();
  await eventually("the rest are shown", async () => (await table.locator("tbody tr").count()) === 55);
  await eventually("focus is on the first row shown", async () => /^Edit name and email of Crew .* 50$/.test((await page.evaluate(() => document.activeElement?.textContent)) ?? ""));
  assert.equal(await page.getByRole("button", { name: "Show more users" }).count(), 0);

  // A keyboard step through the roles saves nothing, and says what saving would do.
  // By the role select's name: while the address is being edited it is in a field, not the row's text.
  const row = table.getByRole("row").filter({ has: page.getByLabel(`Role of ${agent.name}`, { exact: true }) });
  const role = row.getByLabel(`Role of ${agent.name}`);
  await role.focus();
  await role.press("ArrowUp");
  assert.equal(await role.inputValue(), "REQUESTER");
  await row.getByText("will see only their own tickets and no internal notes. Their open tickets will be unassigned.").waitFor();
  assert.equal((await stored()).role, "AGENT", "nothing saved yet");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), `Role of ${agent.name}`, "focus stays on the select");
  await row.getByRole("button", { name: `Cancel changes for ${agent.name}` }).click();
  assert.equal(await role.inputValue(), "AGENT");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), `Role of ${agent.name}`, "focus is back on the select");

  // Deactivating: said first, saved on Save, and the result says what happened.
  await row.getByRole("checkbox").uncheck();
  await row.getByText(`${agent.name} will be signed out everywhere, and their open tickets unassigned.`).waitFor();
  assert.equal((await stored()).active, true, "one click saves nothing");
  await row.getByRole("button", { name: `Save changes for ${agent.name}` }).click();
  await row.getByRole("status").filter({ hasText: "Saved. 2 open tickets were unassigned." }).waitFor();
  assert.equal((await stored()).active, false);
  await eventually("focus is on the result", async () => (await page.evaluate(() => document.activeElement?.getAttribute("role"))) === "status");

  // The address is corrected in place; one another account has is refused on the field.
  await row.getByRole("button", { name: `Edit name and email of ${agent.name}` }).click();
  const email = row.getByLabel(`Email of ${agent.name}`);
  await eventually("focus is on the name", async () => (await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))) === `Name of ${agent.name}`);
  await email.fill("alice@example.com");
  await row.getByRole("button", { name: `Save changes for ${agent.name}` }).click();
  await row.getByText("A user with this email already exists").first().waitFor();
  assert.equal(await email.getAttribute("aria-invalid"), "true");
  await email.fill(`${tag}-0-fixed@example.com`);
  await row.getByText(`will sign in with ${tag}-0-fixed@example.com from now on.`).waitFor();
  await row.getByRole("button", { name: `Save changes for ${agent.name}` }).click();
  await table.getByRole("row").filter({ hasText: `${tag}-0-fixed@example.com` }).getByRole("status").filter({ hasText: "Saved." }).waitFor();

  // Filters: the URL carries them, and Clear drops them.
  await page.goto(`/admin/users?q=${tag}&state=deactivated`);
  await table.getByRole("row").nth(1).waitFor();
  assert.equal(await table.locator("tbody tr").count(), 1);
  const find = page.getByRole("search", { name: "Find users" });
  assert.equal(await find.getByLabel("State").inputValue(), "deactivated");
  await find.getByLabel("Role").selectOption("ADMIN");
  await find.getByRole("button", { name: "Apply" }).click();
  await page.getByText("No user matches these filters.").waitFor();
  await page.getByRole("link", { name: "Clear" }).click();
  await page.waitForURL(/\/admin\/users$/);
});
