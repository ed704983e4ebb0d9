/**
 * Browser test (issue 10, email): a staff reply written in the browser
 * produces exactly one mail to the requester in an in-process SMTP sink, and
 * an internal note produces none. An admin who adds a user without a
 * password is told the invite was mailed, and its link signs the person in.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launchChromium, signedInPage } from "../helpers/browser";
import { api, signIn, startServer, type TestServer } from "../helpers/server";
import { freePort } from "../helpers/services";
import { type SmtpSink, startSmtpSink } from "../helpers/smtp-sink";

let server: TestServer;
let browser: Browser;
let sink: SmtpSink;

before(async () => {
  sink = await startSmtpSink();
  const port = await freePort();
  server = await startServer({
    port,
    env: { APP_URL: `http://127.0.0.1:${port}`, SMTP_URL: sink.url, MAIL_FROM: "Tandem Support <support@example.com>", MAIL_DELAY_SECONDS: "0" },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.close();
});

test("a staff reply sent in the browser mails the requester exactly once; a note mails nobody", async () => {
  const alice = await signIn(server.url, "alice@example.com");
  const created = await api<{ id: string; number: number }>(server.url, alice, "POST", "/api/tickets", { title: "Mail me the answer", description: "Please reply by mail too.", priority: "LOW" });
  assert.equal(created.status, 201);
  const { context, page } = await signedInPage(browser, server.url, "agent@example.com", server.password, `/tickets/${created.body.id}`);
  try {
    await page.getByLabel("Internal note").check();
    await page.getByLabel("Comment").fill("Note: check the mail relay first.");
    await page.getByRole("button", { name: "Send internal note" }).click();
    await page.getByRole("region", { name: /^Conversation/ }).getByRole("listitem").filter({ hasText: "Note: check the mail relay first." }).waitFor();
    await page.getByLabel("Internal note").uncheck();
    await page.getByLabel("Comment").fill("Your mailbox is fixed now.");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("region", { name: /^Conversation/ }).getByRole("listitem").filter({ hasText: "Your mailbox is fixed now." }).waitFor();

    const toAlice = (m: { to: string[]; text: string }) => m.to.includes("alice@example.com") && m.text.includes("Your mailbox is fixed now.");
    const [mail] = await sink.waitFor(toAlice, 1, 20_000);
    assert.match(mail!.text, new RegExp(`/tickets/${created.body.id}`), "the mail links to the ticket");
    // Give a second copy, or a mail about the note, time to show up: none may.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(sink.mails.filter(toAlice).length, 1, "exactly one mail for the reply");
    assert.equal(sink.mails.filter((m) => m.to.includes("alice@example.com") && /mail relay/.test(m.text + m.html)).length, 0, "no mail reveals the note");
  } finally {
    await context.close();
  }
});

test("an admin adds a user without a password: the page says the invite was mailed, and its link signs the person in", async () => {
  const email = `invitee-${Date.now().toString(36)}@example.com`;
  const admin = await signedInPage(browser, server.url, "admin@example.com", server.password, "/admin/users");
  try {
    const form = admin.page.getByRole("form", { name: "Add a user" });
    await form.getByText("Leave empty to email them an invite link instead").waitFor();
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Name").fill("Ivo Invitee");
    await form.getByLabel("Role").selectOption("AGENT");
    await form.getByRole("button", { name: "Add user" }).click();
    await form.getByRole("status").filter({ hasText: `Invite sent to ${email}` }).waitFor();
    assert.equal(await form.getByRole("status").locator("code").count(), 0, "no link shown to the admin");
    assert.doesNotMatch((await form.getByRole("status").textContent()) ?? "", /\/invite\//);
  } finally {
    await admin.context.close();
  }

  const [mail] = await sink.waitFor((m) => m.to.includes(email), 1, 20_000);
  const link = /Choose your password: (\S+)/.exec(mail!.text)?.[1];
  assert.ok(link?.startsWith(`${server.url}/invite/`), mail!.text);
  const context = await browser.newContext({ baseURL: server.url });
  try {
    const page = await context.newPage();
    await page.goto(link!);
    await page.getByRole("heading", { name: "Welcome, Ivo Invitee" }).waitFor();
    await page.getByLabel("Choose a password").fill("ivo-password-1");
    await page.getByRole("button", { name: "Set password and sign in" }).click();
    await page.waitForURL(/\/tickets$/);
    await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
  } finally {
    await context.close();
  }
  await signIn(server.url, email, "ivo-password-1");
});

test("Forgot your password? on the sign-in page mails a link, and the page says so without saying whether the address has an account", async () => {
  const context = await browser.newContext({ baseURL: server.url });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  try {
    await page.goto("/login");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();
    const form = page.getByRole("form", { name: "Reset your password" });
    await form.getByLabel("Email").fill("not-an-address");
    await form.getByRole("button", { name: "Mail me a link" }).click();
    await page.locator("#reset-email[aria-invalid=true]").waitFor();
    await form.getByLabel("Email").fill("bob@example.com");
    await form.getByRole("button", { name: "Mail me a link" }).click();
    await page.getByRole("status").filter({ hasText: "If bob@example.com has an account here, a link to set a new password is on its way" }).waitFor();
    const [mail] = await sink.waitFor((m) => m.to.includes("bob@example.com") && /Set a new Tandem password/.test(m.subject));
    assert.match(mail!.text, /Choose a new password: http/);
  } finally {
    await context.close();
  }
});
