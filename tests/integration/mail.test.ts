/**
 * Email notifications end to end, against the real server and an in-process
 * SMTP sink (tests/helpers/smtp-sink.ts): the mail processor of the event
 * stream queues a mail per (user, event, kind), the worker sends it after
 * MAIL_DELAY_SECONDS unless the user read the event in the app by then,
 * retries when the SMTP server refuses, never sends one twice across a
 * restart, and the unsubscribe link turns that kind off.
 *
 * Runs on the embedded database and, with TANDEM_TEST_DB=postgres, on
 * PostgreSQL. The tests share one server and one sink, and run in order.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { TicketDTO } from "../../src/shared/dto";
import type { EmailSettingsDTO } from "../../src/shared/mail";
import { api, postgresEnv, signIn, startServer, type TestServer } from "../helpers/server";
import { type SinkMail, type SmtpSink, startSmtpSink } from "../helpers/smtp-sink";
import { createTicket, whoAmI } from "./support";

const embedded = process.env.TANDEM_TEST_DB !== "postgres";
const DELAY_S = 2;
/** After the mail we waited for arrived: long enough for a duplicate to show up (worker polls every second). */
const GRACE_MS = 3000;
let env: Record<string, string> = {};
let server: TestServer;
let sink: SmtpSink;
const cookies: Record<"admin" | "agent" | "alice", string> = { admin: "", agent: "", alice: "" };
const ids: Record<string, string> = {};

const aboutTicket = (t: TicketDTO) => (m: SinkMail) => m.subject.includes(`#${t.number} `);
const toAlice = (t: TicketDTO) => (m: SinkMail) => m.to.includes("alice@example.com") && aboutTicket(t)(m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function comment(who: keyof typeof cookies, t: TicketDTO, body: string, internal = false) {
  const res = await api(server.url, cookies[who], "POST", `/api/tickets/${t.id}/comments`, { body, internal });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}
async function signInAll() {
  for (const who of Object.keys(cookies) as (keyof typeof cookies)[]) {
    cookies[who] = await signIn(server.url, `${who}@example.com`, server.password);
    ids[who] = (await whoAmI(server.url, cookies[who])).id;
  }
}
/** The unsubscribe link in a mail's text, pointed at the running server (APP_URL's port changes on restart). */
function unsubscribeLink(m: SinkMail): URL {
  const found = /Stop these emails: (\S+)/.exec(m.text)?.[1];
  assert.ok(found, m.text);
  const url = new URL(found);
  return new URL(`${url.pathname}${url.search}`, server.url);
}

before(async () => {
  sink = await startSmtpSink();
  // The restart test needs the same database again: on PostgreSQL, name it.
  if (!embedded) env = await postgresEnv();
  env = {
    ...env,
    SMTP_URL: sink.url,
    MAIL_FROM: "Tandem Support <support@example.com>",
    MAIL_DELAY_SECONDS: String(DELAY_S),
    MAIL_RETRY_SECONDS: "0.5",
  };
  server = await startServer({ env });
  await signInAll();
});

after(async () => {
  await server?.stop();
  await sink?.close();
});

test("start-up says mail is on, without the SMTP password", () => {
  assert.match(server.output(), /mail: on, via smtp:\/\/127\.0\.0\.1:\d+ from Tandem Support <support@example\.com>, after 2 s/);
});

test("a public staff reply mails the requester exactly once, with the ticket and unsubscribe links; an internal note mails her nothing", async () => {
  const ticket = await createTicket(server.url, cookies.alice, { title: "Printer on fire" });
  await comment("agent", ticket, "SECRET-NOTE: the customer's SPF record is broken, @admin", true);
  const sent = Date.now();
  await comment("agent", ticket, "We found the problem <b>and</b> are fixing it.");

  const [mail] = await sink.waitFor(toAlice(ticket));
  assert.ok(Date.now() - sent >= DELAY_S * 1000 - 200, "waited MAIL_DELAY_SECONDS first");
  await sleep(GRACE_MS);
  const mine = sink.mails.filter(aboutTicket(ticket));
  assert.equal(mine.length, 1, `one mail about the ticket: ${mine.map((m) => `${m.to.join()} ${m.subject}`).join("; ")}`);
  assert.deepEqual(mail!.to, ["alice@example.com"]);
  assert.equal(mail!.from, "support@example.com");
  assert.match(mail!.subject, new RegExp(`#${ticket.number} Printer on fire`));

  for (const body of [mail!.text, mail!.html, mail!.raw]) assert.doesNotMatch(body, /SECRET-NOTE|SPF record/, "no note text anywhere");
  assert.match(mail!.text, /We found the problem <b>and<\/b> are fixing it\./);
  assert.match(mail!.html, /We found the problem &lt;b&gt;and&lt;\/b&gt; are fixing it\./, "HTML is escaped");
  assert.match(mail!.text, new RegExp(`http://localhost:\\d+/tickets/${ticket.id}`));
  assert.match(mail!.html, new RegExp(`href="http://localhost:\\d+/tickets/${ticket.id}"`));
  assert.match(mail!.text, /\/unsubscribe\?token=[\w%.-]+/);
  assert.match(mail!.headers["list-unsubscribe"] ?? "", /^<http:\/\/localhost:\d+\/api\/unsubscribe\?token=[\w%.-]+>$/);
  assert.equal(mail!.headers["list-unsubscribe-post"], "List-Unsubscribe=One-Click");
});

test("an internal note alone mails nobody (staff email is opt-in, requesters never hear of notes)", async () => {
  const ticket = await createTicket(server.url, cookies.alice, { title: "Quiet note" });
  await comment("admin", ticket, "@agent only for us", true);
  await sleep(DELAY_S * 1000 + GRACE_MS);
  assert.deepEqual(sink.mails.filter(aboutTicket(ticket)), []);
});

test("read in the app within the delay: no mail (ticket read up to the event, or its notification marked read)", async () => {
  const ticket = await createTicket(server.url, cookies.alice, { title: "Read it already" });
  await comment("agent", ticket, "First answer");
  // Alice opens the ticket at once: read up to the newest event in her numbering.
  const seen = await api<TicketDTO>(server.url, cookies.alice, "GET", `/api/tickets/${ticket.id}`);
  assert.equal(seen.status, 200);
  assert.equal((await api(server.url, cookies.alice, "POST", `/api/tickets/${ticket.id}/read`, { seq: seen.body.lastSeq })).status, 200);

  // Then a second reply she marks read in the notification centre instead.
  await comment("agent", ticket, "Second answer");
  const deadline = Date.now() + 10_000;
  for (;;) {
    const list = await api<{ items: { id: string; ticket: { id: string } }[] }>(server.url, cookies.alice, "GET", "/api/notifications?limit=100");
    if (list.body.items.filter((n) => n.ticket.id === ticket.id).length === 2) break;
    assert.ok(Date.now() < deadline, "the in-app notifications arrive");
    await sleep(100);
  }
  assert.equal((await api(server.url, cookies.alice, "POST", "/api/notifications/read", { all: true })).status, 200);

  // A third she does not read: its mail comes, and once it has, the first two were decided.
  await comment("agent", ticket, "Third answer");
  const [mail] = await sink.waitFor(toAlice(ticket));
  await sleep(GRACE_MS);
  assert.equal(sink.mails.filter(aboutTicket(ticket)).length, 1);
  assert.match(mail!.text, /Third answer/);
});

test("an SMTP server that refuses (451) a few times: retried with backoff, delivered once", async () => {
  const ticket = await createTicket(server.url, cookies.alice, { title: "Flaky relay" });
  sink.refuseNext(3);
  const before = sink.refused();
  await comment("agent", ticket, "Retry me");
  await sink.waitFor(toAlice(ticket), 1, 30_000);
  assert.equal(sink.refused() - before, 3, "refused three times first");
  await sleep(GRACE_MS);
  assert.equal(sink.mails.filter(aboutTicket(ticket)).length, 1);
  assert.match(server.output(), /attempt 1 failed, retrying in 0\.5 s: .*451/);
});

test("a restart while mails wait (queued, and mid-retry): each still sent exactly once", async () => {
  const waiting = await createTicket(server.url, cookies.alice, { title: "Across a restart" });
  const retrying = await createTicket(server.url, cookies.alice, { title: "Retrying across a restart" });
  await comment("agent", retrying, "Retry across the restart");
  // Its first try is refused, and (with backoff) likely its second: the stop comes mid-retry.
  sink.refuseNext(2);
  await sleep(DELAY_S * 1000 + 700);
  await comment("agent", waiting, "Waiting across the restart");
  assert.equal(await server.stop(), 0);
  assert.equal(sink.mails.filter(aboutTicket(waiting)).length, 0, "not sent before the stop");

  server = await startServer({ dataDir: server.dataDir, env });
  await signInAll();
  await sink.waitFor(toAlice(waiting), 1, 30_000);
  await sink.waitFor(toAlice(retrying), 1, 30_000);
  await sleep(GRACE_MS);
  assert.equal(sink.mails.filter(aboutTicket(waiting)).length, 1);
  assert.equal(sink.mails.filter(aboutTicket(retrying)).length, 1);
});

test("the unsubscribe link: a confirmation page, then that kind is off (and only that kind)", async () => {
  const ticket = await createTicket(server.url, cookies.alice, { title: "Unsubscribe me" });
  await comment("agent", ticket, "Any mail will do");
  const [mail] = await sink.waitFor(toAlice(ticket));
  const link = unsubscribeLink(mail!);
  const token = link.searchParams.get("token")!;

  // Opening the link changes nothing (scanners open links too).
  const page = await fetch(link);
  assert.equal(page.status, 200);
  // React marks text boundaries with empty comments.
  const html = (await page.text()).replace(/<!-- -->/g, "");
  assert.match(html, /Stop “Replies” emails\?/);
  assert.match(html, /emails about: Support replies on a ticket you opened\./);
  assert.match(html, /action="\/api\/unsubscribe"/);
  // The account page says what the switch does for each: a requester hears of
  // support's replies, an agent of replies on tickets assigned to them.
  const account = async (who: "alice" | "agent") => (await (await fetch(`${server.url}/account`, { headers: { cookie: cookies[who] } })).text()).replace(/<!-- -->/g, "");
  assert.match(await account("alice"), /Replies<\/strong> — Support replies on a ticket you opened\./);
  assert.match(await account("agent"), /Replies<\/strong> — Someone else replies on a ticket assigned to you\./);
  const settings = async () => (await api<EmailSettingsDTO>(server.url, cookies.alice, "GET", "/api/notifications/email-settings")).body;
  assert.deepEqual(await settings(), { reply: true, resolved: true, assigned: false, mention: false });

  // A forged or altered token does nothing.
  for (const bad of [`${token}x`, token.replace(/^./, (c) => (c === "a" ? "b" : "a")), "nonsense"]) {
    const res = await fetch(new URL("/api/unsubscribe", server.url), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: bad }) });
    assert.equal(res.status, 400, bad);
  }
  assert.equal((await fetch(new URL(`/unsubscribe?token=${encodeURIComponent(`${token}x`)}`, server.url)).then((r) => r.text())).includes("not valid"), true);

  // The page's button: a form POST, then back to the page saying so.
  const res = await fetch(new URL("/api/unsubscribe", server.url), {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(server.url).origin },
    body: new URLSearchParams({ token }),
  });
  assert.equal(res.status, 303);
  assert.match(res.headers.get("location") ?? "", /^\/unsubscribe\?done=1&token=/);
  assert.deepEqual(await settings(), { reply: false, resolved: true, assigned: false, mention: false });

  // Replies no longer mail her; the resolution still does, and once it has come, the reply was decided.
  await comment("agent", ticket, "Nobody should get this by mail");
  assert.equal((await api(server.url, cookies.agent, "PATCH", `/api/tickets/${ticket.id}`, { status: "RESOLVED" })).status, 200);
  const [resolved] = await sink.waitFor((m) => toAlice(ticket)(m) && /Resolved/.test(m.subject));
  assert.match(resolved!.text, /marked #\d+ Unsubscribe me as resolved/);
  await sleep(GRACE_MS);
  assert.equal(sink.mails.filter(aboutTicket(ticket)).length, 2, "the first reply and the resolution");

  // RFC 8058 one-click (a mail provider's POST to the List-Unsubscribe URL) turns off the other kind.
  const oneClick = new URL((resolved!.headers["list-unsubscribe"] ?? "").slice(1, -1));
  const click = await fetch(new URL(`${oneClick.pathname}${oneClick.search}`, server.url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "List-Unsubscribe=One-Click",
  });
  assert.equal(click.status, 200);
  assert.deepEqual(await settings(), { reply: false, resolved: false, assigned: false, mention: false });
});

test("staff opt in to mentions and assignments on /account's switches", async () => {
  const put = await api<EmailSettingsDTO>(server.url, cookies.agent, "PUT", "/api/notifications/email-settings", { mention: true, assigned: true });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body, { reply: false, resolved: false, assigned: true, mention: true });
  for (const bad of [{}, { sms: true }, { mention: "yes" }]) {
    assert.equal((await api(server.url, cookies.agent, "PUT", "/api/notifications/email-settings", bad)).status, 400, JSON.stringify(bad));
  }
  const ticket = await createTicket(server.url, cookies.alice, { title: "Staff mail" });
  await comment("admin", ticket, "@agent can you look? INTERNAL-DETAIL", true);
  assert.equal((await api(server.url, cookies.admin, "PATCH", `/api/tickets/${ticket.id}`, { assigneeId: ids.agent })).status, 200);
  const got = await sink.waitFor((m) => m.to.includes("agent@example.com") && aboutTicket(ticket)(m), 2);
  assert.deepEqual(got.map((m) => m.subject.replace(/.*\] /, "")).sort(), ["Assigned to you", "You were mentioned"]);
  // Staff may read notes: the mention quotes it.
  assert.match(got.find((m) => /mentioned/.test(m.subject))!.text, /INTERNAL-DETAIL/);
  assert.equal(sink.mails.filter(toAlice(ticket)).length, 0);
});
