import assert from "node:assert/strict";
import { test } from "node:test";
import { ZSignIn } from "./auth";
import { ZId } from "./text";
import { ZCreateComment } from "./comments";
import { ZCreateTicket, ZListTickets, ZUpdateTicket } from "./tickets";
import { isWellFormedText } from "./text";
import { ZCreateUser, ZSignUp, ZUpdateAccount, ZUpdateUser } from "./users";
import { ZSaveView } from "./views";
import { ZCreateCannedReply } from "./canned-replies";

test("ticket creation trims, requires a title and description, and checks priority", () => {
  assert.deepEqual(ZCreateTicket.parse({ title: "  Printer jam ", description: " It jams " }), {
    title: "Printer jam",
    description: "It jams",
  });
  assert.equal(ZCreateTicket.safeParse({ title: "ab", description: "x" }).success, false);
  assert.equal(ZCreateTicket.safeParse({ title: "Valid", description: "   " }).success, false);
  assert.equal(ZCreateTicket.safeParse({ title: "Valid", description: "x", priority: "CRITICAL" }).success, false);
  assert.equal(ZCreateTicket.safeParse({ title: "x".repeat(201), description: "x" }).success, false);
});

test("ticket updates need at least one change and refuse unknown fields", () => {
  assert.equal(ZUpdateTicket.safeParse({}).success, false);
  assert.equal(ZUpdateTicket.safeParse({ version: 3 }).success, false);
  assert.equal(ZUpdateTicket.safeParse({ status: "DONE" }).success, false);
  assert.equal(ZUpdateTicket.safeParse({ status: "CLOSED", requesterId: "x" }).success, false);
  assert.deepEqual(ZUpdateTicket.parse({ assigneeId: null, version: 2 }), { assigneeId: null, version: 2 });
  assert.equal(ZUpdateTicket.safeParse({ status: "RESOLVED", version: 0 }).success, false);
});

test("list query coerces limit, leaves the sort to the query (relevance with q, else recently updated) and bounds the page size", () => {
  assert.deepEqual(ZListTickets.parse({ limit: "10" }), { limit: 10 });
  assert.equal(ZListTickets.parse({ sort: "relevance", q: "printer" }).sort, "relevance");
  assert.equal(ZListTickets.safeParse({ limit: "1000" }).success, false);
  assert.equal(ZListTickets.safeParse({ sort: "random" }).success, false);
});

test("comments must have a body; internal defaults to false", () => {
  assert.deepEqual(ZCreateComment.parse({ body: " hi " }), { body: "hi", internal: false });
  assert.equal(ZCreateComment.safeParse({ body: "   " }).success, false);
  assert.equal(ZCreateComment.safeParse({ body: "x".repeat(10_001) }).success, false);
});

test("sign-in normalises the email", () => {
  assert.deepEqual(ZSignIn.parse({ email: " Alice@Example.COM ", password: "p" }), { email: "alice@example.com", password: "p" });
  assert.equal(ZSignIn.safeParse({ email: "nope", password: "p" }).success, false);
});

test("text fields refuse NUL characters, which PostgreSQL cannot store", () => {
  assert.equal(ZCreateTicket.safeParse({ title: "Print\u0000er", description: "x" }).success, false);
  assert.equal(ZCreateTicket.safeParse({ title: "Printer", description: "a\u0000b" }).success, false);
  assert.equal(ZCreateComment.safeParse({ body: "hi\u0000" }).success, false);
  assert.equal(ZUpdateTicket.safeParse({ title: "New\u0000title" }).success, false);
  assert.equal(ZListTickets.safeParse({ q: "\u0000" }).success, false);
  // Other control characters and non-ASCII text are ordinary input.
  assert.equal(ZCreateComment.safeParse({ body: "tab\there, ünïcødé, 😀" }).success, true);
});

test("ids must look like ids; the assignee filter also takes me and none", () => {
  assert.equal(ZUpdateTicket.safeParse({ assigneeId: "../etc" }).success, false);
  assert.equal(ZUpdateTicket.safeParse({ assigneeId: "cm3abc_DEF-123" }).success, true);
  for (const assignee of ["me", "none", "cm3abc"]) assert.equal(ZListTickets.safeParse({ assignee }).success, true);
  assert.equal(ZListTickets.safeParse({ assignee: "a b" }).success, false);
});

test("ids: old cuid v1 and new cuid2 both name records; other shapes do not", () => {
  assert.equal(ZId.safeParse("cmicd6w2k0000p8t9h3k2c1xq").success, true, "cuid v1");
  assert.equal(ZId.safeParse("tz4a98xxat96iws9zmbrgj3a").success, true, "cuid2");
  for (const bad of ["", "a/b", "a b", "x".repeat(65), "id\u0000"]) assert.equal(ZId.safeParse(bad).success, false, bad);
});

test("text fields refuse unpaired surrogates, which have no UTF-8 form, but keep surrogate pairs", () => {
  for (const bad of ["\ud800", "abc\udfff", "\ude00\ud83d", "😀\ud800"]) {
    const parsed = ZCreateTicket.safeParse({ title: `Title ${bad}`, description: "x" });
    assert.equal(parsed.success, false, JSON.stringify(bad));
    assert.match(parsed.error!.issues[0]!.message, /malformed Unicode/);
    assert.equal(ZCreateTicket.safeParse({ title: "Title", description: bad }).success, false);
    assert.equal(ZCreateComment.safeParse({ body: bad }).success, false);
    assert.equal(ZUpdateTicket.safeParse({ title: `Title ${bad}` }).success, false);
    assert.equal(ZListTickets.safeParse({ q: bad }).success, false);
    assert.equal(ZListTickets.safeParse({ cursor: bad }).success, false);
  }
  assert.equal(isWellFormedText("😀 \ud83d\ude00"), true);
  assert.equal(ZCreateComment.safeParse({ body: "emoji \ud83d\ude00 pair" }).success, true);
});

test("names, titles and view names are one line, without control or text-direction characters; right-to-left letters are fine", () => {
  const bad = ["Alice\nOpen the ticket: http://evil.example", "A\rB", "Invoice\u202efdp", "x\u2066y\u2069", "a\u0085b", "a\u2028b", "tab\there"];
  for (const v of bad) {
    const name = ZUpdateAccount.safeParse({ name: v });
    assert.equal(name.success, false, JSON.stringify(v));
    assert.match(name.error!.issues[0]!.message, /must be one line, without control or text-direction characters/);
    assert.equal(ZCreateUser.safeParse({ email: "x@example.com", name: v, role: "AGENT" }).success, false);
    assert.equal(ZUpdateUser.safeParse({ name: v }).success, false);
    assert.equal(ZSignUp.safeParse({ email: "x@example.com", name: v, password: "long-enough-1" }).success, false);
    assert.equal(ZCreateTicket.safeParse({ title: `${v} title`, description: "d" }).success, false, JSON.stringify(v));
    assert.equal(ZUpdateTicket.safeParse({ title: `${v} title` }).success, false);
    assert.equal(ZSaveView.safeParse({ name: v, filter: { priority: "HIGH" } }).success, false);
    assert.equal(ZCreateCannedReply.safeParse({ title: v, body: "b" }).success, false);
  }
  for (const v of ["أليس", "Zoë O'Brien", "  trailing newline trimmed\n"]) {
    assert.equal(ZUpdateAccount.safeParse({ name: v }).success, true, JSON.stringify(v));
    assert.equal(ZCreateTicket.safeParse({ title: `Title ${v}`, description: "Multi\nline\u202e descriptions are text" }).success, true, JSON.stringify(v));
  }
});
