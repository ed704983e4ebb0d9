/**
 * Invite links by mail (issue 10), against the real server and an in-process
 * SMTP sink: with SMTP_URL set, an admin who adds a user without a password
 * (or asks for a fresh link) gets "sent to <email>" and never the link; the
 * user gets exactly one mail, queued in the same transaction through the
 * outbound mail table (retried with backoff, never doubled), whose link opens
 * the invite page, sets the password and signs in. A newer link voids the
 * older one, and an older mail still waiting for a retry is not sent at all.
 * Mail off (no link hidden) is covered in ./users.test.ts.
 *
 * Runs on the embedded database and, with TANDEM_TEST_DB=postgres, on
 * PostgreSQL. The tests share one server and one sink, and run in order.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import type { AuditEntryDTO } from "../../src/shared/audit";
import type { UserDTO } from "../../src/shared/dto";
import type { InviteIssued } from "../../src/shared/invite";
import { api, signIn, startServer, type TestServer } from "../helpers/server";
import { type SinkMail, type SmtpSink, startSmtpSink } from "../helpers/smtp-sink";
import type { MailQueueDTO } from "../../src/shared/mail";
import { whoAmI } from "./support";

/** Wait before the first retry of a refused mail: long enough to re-invite meanwhile. */
const RETRY_S = 4;
/** After the mail we waited for arrived: long enough for a duplicate to show up (the worker polls every second). */
const GRACE_MS = 3000;
let server: TestServer;
let sink: SmtpSink;
let admin = "";
const unique = () => randomBytes(4).toString("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const to = (email: string) => (m: SinkMail) => m.to.includes(email);

before(async () => {
  sink = await startSmtpSink();
  server = await startServer({
    env: { SMTP_URL: sink.url, MAIL_FROM: "Tandem Support <support@example.com>", MAIL_RETRY_SECONDS: String(RETRY_S), MAIL_DELAY_SECONDS: "120" },
  });
  admin = await signIn(server.url, "admin@example.com", server.password);
});

after(async () => {
  await server?.stop();
  await sink?.close();
});

async function createInvited(name: string, role = "AGENT") {
  const email = `${name.toLowerCase()}-${unique()}@example.com`;
  const res = await api<{ user: UserDTO; invite?: InviteIssued }>(server.url, admin, "POST", "/api/users", { email, name, role });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { email, res };
}

/** The invite link in a mail's text, checked against its HTML, as a path on the running server. */
function linkIn(m: SinkMail): { url: string; token: string } {
  const found = /Choose your password: (\S+)/.exec(m.text)?.[1];
  assert.ok(found, m.text);
  assert.match(found, new RegExp(`^http://localhost:${server.port}/invite/[A-Za-z0-9_-]{43}$`), "APP_URL-based");
  assert.ok(m.html.includes(`href="${found}"`), "the same link in the HTML part");
  const token = found.split("/").pop()!;
  return { url: `${server.url}/invite/${token}`, token };
}

async function accept(token: string, password: string) {
  return api<{ email: string }>(server.url, undefined, "POST", "/api/invites/accept", { token, password });
}

test("adding a user without a password mails them one invite; the admin is told where it went, never the link", async () => {
  const { email, res } = await createInvited("Nora");
  const invite = res.body.invite!;
  assert.deepEqual(Object.keys(invite).sort(), ["delivery", "expiresAt", "sentTo"]);
  assert.equal(invite.delivery, "mail");
  assert.equal((invite as Extract<InviteIssued, { delivery: "mail" }>).sentTo, email);
  assert.doesNotMatch(JSON.stringify(res.body), /\/invite\/|url/i, "no link anywhere in the answer");

  const [mail] = await sink.waitFor(to(email));
  await sleep(GRACE_MS);
  assert.equal(sink.mails.filter(to(email)).length, 1, "exactly one mail");
  assert.deepEqual(mail!.to, [email]);
  assert.equal(mail!.from, "support@example.com");
  assert.match(mail!.subject, /^Ada Admin invited you to Tandem/);
  assert.match(mail!.text, /^Hi Nora,/);
  assert.match(mail!.text, /Ada Admin invited you to Tandem/, "who invited them");
  const expiry = new Date(invite.expiresAt).toLocaleString("en-GB", { timeZone: "UTC", dateStyle: "full", timeStyle: "short" });
  assert.ok(mail!.text.includes(`until ${expiry} UTC`), `the expiry (${expiry}) in:\n${mail!.text}`);
  assert.equal(mail!.headers["list-unsubscribe"], undefined, "transactional: no unsubscribe");
  assert.equal(mail!.headers["auto-submitted"], "auto-generated");
  assert.doesNotMatch(mail!.text + mail!.html, /\{\{invite\.url\}\}/, "the slot was filled");

  const { url, token } = linkIn(mail!);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.ok(/Welcome, (?:<!-- -->)?Nora/.test(html) && html.includes(`<strong>${email}</strong>`), "the invite page greets her by name and address");
  const accepted = await accept(token, "nora-password-1");
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.deepEqual(accepted.body, { email });
  const cookie = await signIn(server.url, email, "nora-password-1");
  const me = await whoAmI(server.url, cookie);
  assert.equal(me.name, "Nora");
  assert.equal(me.role, "AGENT");
  assert.equal((await accept(token, "nora-password-2")).status, 404, "the link works once");
});

test("a fresh invite voids the older link; the admin again gets no link; the audit log says it was mailed", async () => {
  const { email, res } = await createInvited("Otto", "REQUESTER");
  const [first] = await sink.waitFor(to(email));
  const old = linkIn(first!);

  const again = await api<{ invite: InviteIssued }>(server.url, admin, "POST", `/api/users/${res.body.user.id}/invite`);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.deepEqual(again.body.invite, { delivery: "mail", sentTo: email, expiresAt: again.body.invite.expiresAt });
  assert.doesNotMatch(JSON.stringify(again.body), /\/invite\/|url/i);
  const mails = await sink.waitFor(to(email), 2);
  await sleep(GRACE_MS);
  assert.equal(sink.mails.filter(to(email)).length, 2, "one mail per invite");
  const fresh = linkIn(mails[1]!);
  assert.notEqual(fresh.token, old.token);

  assert.equal((await accept(old.token, "otto-password-1")).status, 404, "the older link is void");
  assert.ok((await (await fetch(old.url)).text()).includes("This link no longer works"), "the older link's page says so");
  assert.equal((await accept(fresh.token, "otto-password-1")).status, 200);
  await signIn(server.url, email, "otto-password-1");

  const audit = (await api<{ items: AuditEntryDTO[] }>(server.url, admin, "GET", "/api/audit")).body.items.filter((e) => e.target?.id === res.body.user.id);
  assert.deepEqual(audit.map((e) => e.action).reverse(), ["user:create", "user:invite", "user:password"]);
  assert.deepEqual(audit[0]!.actor?.id, res.body.user.id, "the password was set by Otto, with the link");
  assert.equal(audit.find((e) => e.action === "user:create")!.after!.password, `invite link, mailed to ${email}`);
  assert.equal(audit.find((e) => e.action === "user:invite")!.after!.delivery, `mailed to ${email}`);
  const all = JSON.stringify(audit);
  for (const token of [old.token, fresh.token]) assert.ok(!all.includes(token), "no token in the audit log");
});

test("an invite mail held back by the SMTP server is not sent once a newer invite replaced it", { timeout: 60_000 }, async () => {
  sink.refuseNext(1);
  const refusedBefore = sink.refused();
  const { email, res } = await createInvited("Pia");
  // The first mail is refused with a 451 and waits RETRY_S for its retry.
  const deadline = Date.now() + 15_000;
  while (sink.refused() === refusedBefore) {
    assert.ok(Date.now() < deadline, "the first mail was tried");
    await sleep(50);
  }
  const again = await api<{ invite: InviteIssued }>(server.url, admin, "POST", `/api/users/${res.body.user.id}/invite`);
  assert.equal(again.status, 200);
  const [mail] = await sink.waitFor(to(email));
  // Past the older mail's retry: it is skipped, not sent with a dead link.
  await sleep(RETRY_S * 1000 + GRACE_MS);
  assert.equal(sink.mails.filter(to(email)).length, 1, "only the newer invite's mail");
  const { token } = linkIn(mail!);
  assert.equal((await accept(token, "pia-password-1")).status, 200, "and its link works");
});

test("a reset link for someone who has a password says so, and their password works until it is used", async () => {
  const email = `quinn-${unique()}@example.com`;
  const created = await api<{ user: UserDTO }>(server.url, admin, "POST", "/api/users", { email, name: "Quinn", role: "AGENT", password: "quinn-password-1" });
  assert.equal(created.status, 201);
  assert.equal((created.body as { invite?: unknown }).invite, undefined, "no invite with a password, and no mail");
  const res = await api<{ invite: InviteIssued }>(server.url, admin, "POST", `/api/users/${created.body.user.id}/invite`);
  assert.equal(res.status, 200);
  const [mail] = await sink.waitFor(to(email));
  await sleep(GRACE_MS);
  assert.equal(sink.mails.filter(to(email)).length, 1, "one mail: the reset link, none for the creation");
  assert.match(mail!.subject, /^Set a new Tandem password/);
  assert.match(mail!.text, /Ada Admin sent you a link to set a new password/);
  await signIn(server.url, email, "quinn-password-1");
  assert.equal((await accept(linkIn(mail!).token, "quinn-password-2")).status, 200);
  await signIn(server.url, email, "quinn-password-2");
});

test("Forgot your password?: a link mailed to an active account's address, the same answer for any address, none for a deactivated one, and at most three a hour per address", async () => {
  const email = `rhea-${unique()}@example.com`;
  const created = await api<{ user: UserDTO }>(server.url, admin, "POST", "/api/users", { email, name: "Rhea", role: "REQUESTER", password: "rhea-password-1" });
  assert.equal(created.status, 201);
  const ask = (address: string) => api<unknown>(server.url, undefined, "POST", "/api/password-reset", { email: address });

  const asked = await ask(email.toUpperCase());
  assert.equal(asked.status, 202);
  const nobody = await ask(`nobody-${unique()}@example.com`);
  assert.deepEqual([nobody.status, nobody.body], [asked.status, asked.body], "the answer says nothing about who has an account");
  const [mail] = await sink.waitFor(to(email));
  assert.match(mail!.subject, /^Set a new Tandem password/);
  assert.match(mail!.text, /Someone asked for a link to set a new password for this address/);
  assert.match(mail!.text, /If you did not ask for it, ignore this mail/);
  const link = /Choose a new password: (\S+)/.exec(mail!.text)?.[1];
  assert.ok(link, mail!.text);
  const token = link.split("/").pop()!;
  // Nothing changes until the link is used; then the new password works.
  await signIn(server.url, email, "rhea-password-1");
  assert.equal((await accept(token, "rhea-password-2")).status, 200);
  await signIn(server.url, email, "rhea-password-2");
  assert.equal((await accept(token, "rhea-password-3")).status, 404, "the link works once");

  // Deactivated: the same answer, and no mail.
  assert.equal((await api(server.url, admin, "PATCH", `/api/users/${created.body.user.id}`, { active: false })).status, 200);
  const before = sink.mails.filter(to(email)).length;
  assert.equal((await ask(email)).status, 202);
  assert.equal((await ask(email)).status, 202);
  // The fourth request for one address within the hour: refused, whoever has it.
  const limited = await ask(email);
  assert.equal(limited.status, 429, JSON.stringify(limited.body));
  assert.equal((await ask(`nobody-${unique()}@example.com`)).status, 202, "another address is not affected");
  await sleep(GRACE_MS);
  assert.equal(sink.mails.filter(to(email)).length, before, "no mail for a deactivated account");

  // The sign-in page leads there, and the page asks for the address.
  assert.match(await (await fetch(`${server.url}/login`)).text(), /href="\/forgot-password"/);
  const page = await (await fetch(`${server.url}/forgot-password`)).text();
  assert.match(page, /Mail me a link/);
  // Bad input: a 400, nothing mailed.
  assert.equal((await ask("not an address")).status, 400);
});

test("an invite the mail server refuses shows on the admin's Mail page with its answer, and Send again delivers it once the cause is fixed", async () => {
  const email = `pia-${unique()}@example.com`;
  sink.refuseRecipients([email]);
  try {
    const res = await api<{ user: UserDTO }>(server.url, admin, "POST", "/api/users", { email, name: "Pia", role: "AGENT" });
    assert.equal(res.status, 201);
    const queue = async () => (await api<MailQueueDTO>(server.url, admin, "GET", "/api/mail")).body;
    let failed: MailQueueDTO["problems"][number] | undefined;
    for (let i = 0; i < 100 && !failed; i++) {
      failed = (await queue()).problems.find((p) => p.to.email === email && p.status === "failed");
      if (!failed) await sleep(200);
    }
    assert.ok(failed, "the refused invite is listed as failed");
    assert.equal(failed.kind, "invite");
    assert.equal(failed.attempts, 1, "a 550 is final at once");
    assert.match(failed.lastError ?? "", /550|No such user/);
    assert.ok((await queue()).counts.failed >= 1);
    const page = (await (await fetch(`${server.url}/admin/mail`, { headers: { cookie: admin } })).text()).replace(/<!-- -->/g, "");
    assert.match(page, new RegExp(`Pia &lt;${email.replace(/[.]/g, "\\.")}&gt;`));
    assert.match(page, /Send again/);

    // Only admins see or resend mail; only a failed mail is sent again.
    const agent = await signIn(server.url, "agent@example.com", server.password);
    assert.equal((await api(server.url, agent, "GET", "/api/mail")).status, 403);
    assert.equal((await api(server.url, agent, "POST", `/api/mail/${failed.id}/retry`)).status, 403);
    assert.equal((await fetch(`${server.url}/admin/mail`, { headers: { cookie: agent } })).status, 404);
    assert.equal((await api(server.url, admin, "POST", "/api/mail/nope-not-a-mail/retry")).status, 404);
    assert.equal(sink.mails.filter(to(email)).length, 0);

    // The address is fixed on the mail server's side: sent again, it arrives, once.
    sink.refuseRecipients([]);
    const retried = await api(server.url, admin, "POST", `/api/mail/${failed.id}/retry`);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal((await api(server.url, admin, "POST", `/api/mail/${failed.id}/retry`)).status, 409, "already on its way (or sent)");
    const [mail] = await sink.waitFor(to(email));
    assert.match(mail!.subject, /invited you to Tandem/);
    await sleep(GRACE_MS);
    assert.equal(sink.mails.filter(to(email)).length, 1);
    assert.ok(!(await queue()).problems.some((p) => p.id === failed.id), "no longer a problem");
  } finally {
    sink.refuseRecipients([]);
  }
});
