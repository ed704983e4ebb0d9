import assert from "node:assert/strict";
import { test } from "node:test";
import { expandCanned, filterCanned, insertCanned, slashQuery, type CannedContext } from "./canned";

const ctx: CannedContext = { requester: { name: "Alice  Liddell" }, ticket: { number: 42, title: "Refund please" }, agent: { name: "Sam Agent" } };

test("every placeholder expands; spaces inside the braces are allowed", () => {
  assert.equal(
    expandCanned("Hi {{requester.firstName}} ({{ requester.name }}), #{{ticket.number}} “{{ticket.title}}” — {{agent.name}}", ctx),
    "Hi Alice (Alice  Liddell), #42 “Refund please” — Sam Agent",
  );
  assert.equal(expandCanned("{{ticket.number}}{{ticket.number}}", ctx), "4242");
});

test("unknown placeholders and stray braces are left as written", () => {
  assert.equal(expandCanned("{{requester.email}} {{Ticket.number}} {{ticket}} {ticket.number} {{ticket.number", ctx), "{{requester.email}} {{Ticket.number}} {{ticket}} {ticket.number} {{ticket.number");
  assert.equal(expandCanned("", ctx), "");
});

test("values are inserted literally, never expanded again", () => {
  const tricky: CannedContext = { ...ctx, requester: { name: "{{agent.name}} $& $1" } };
  assert.equal(expandCanned("Dear {{requester.name}}", tricky), "Dear {{agent.name}} $& $1");
});

test("a one-word or blank name gives a first name", () => {
  assert.equal(expandCanned("{{requester.firstName}}", { ...ctx, requester: { name: "Cher" } }), "Cher");
  assert.equal(expandCanned("[{{requester.firstName}}]", { ...ctx, requester: { name: "  " } }), "[]");
});

test("the slash query is the first line after a leading slash, while the caret is on it", () => {
  assert.equal(slashQuery("/", 1), "");
  assert.equal(slashQuery("/refund", 7), "refund");
  assert.equal(slashQuery("/ref\nmore", 3), "ref");
  assert.equal(slashQuery("/ref\nmore", 7), null);
  assert.equal(slashQuery("a /refund", 9), null);
  assert.equal(slashQuery("", 0), null);
});

test("inserting replaces the /query line and keeps what follows", () => {
  assert.deepEqual(insertCanned("/ref", "Hello"), { text: "Hello", caret: 5 });
  assert.deepEqual(insertCanned("/ref\nP.S.", "Hello"), { text: "Hello\nP.S.", caret: 5 });
});

test("filtering matches every word, titles before texts, case-insensitively", () => {
  const replies = [
    { title: "Shipping times", body: "Refunds take a week" },
    { title: "Refund issued", body: "Done" },
    { title: "Password reset", body: "Use the link" },
  ];
  assert.deepEqual(filterCanned(replies, "REF").map((r) => r.title), ["Refund issued", "Shipping times"]);
  assert.deepEqual(filterCanned(replies, "").map((r) => r.title), ["Password reset", "Refund issued", "Shipping times"]);
  assert.deepEqual(filterCanned(replies, "pass link").map((r) => r.title), []);
  assert.deepEqual(filterCanned(replies, "reset pass").map((r) => r.title), ["Password reset"]);
});
