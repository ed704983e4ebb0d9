import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { handleOf, mentionedHandles, parseMentions, splitMentions } from "./mentions";

const HANDLE_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-".split("");
/** A handle as an email local part may be: handle characters, not starting or ending with a dot. */
const handle = fc
  .array(fc.constantFrom(...HANDLE_CHARS), { minLength: 1, maxLength: 20 })
  .map((cs) => cs.join(""))
  .filter((h) => !h.startsWith(".") && !h.endsWith("."));
/** Text that cannot glue onto a mention: no handle characters at its edges, no `@`. */
const filler = fc.string({ maxLength: 30 }).map((s) => s.replace(/@/g, " "));
const trailing = fc.constantFrom("", ".", ",", "!", "?", ":", ";", ")", "...", "'s", "\n");
const leading = fc.constantFrom("", " ", "\n", "(", "\"", "> ", "hi ");

test("examples: mentions at word starts, with punctuation, case-insensitive", () => {
  assert.deepEqual(mentionedHandles("@admin please look"), ["admin"]);
  assert.deepEqual(mentionedHandles("Thanks @Admin."), ["admin"]);
  assert.deepEqual(mentionedHandles("cc @agent, @admin!"), ["agent", "admin"]);
  assert.deepEqual(mentionedHandles("(@sam.agent)"), ["sam.agent"]);
  assert.deepEqual(mentionedHandles("@admin @ADMIN"), ["admin"]);
  assert.deepEqual(parseMentions("hi @Admin."), [{ handle: "admin", start: 3, end: 9 }]);
});

test("examples: not inside emails, addresses or URLs", () => {
  assert.deepEqual(mentionedHandles("write to x@admin.com"), []);
  assert.deepEqual(mentionedHandles("write to admin@example.com"), []);
  assert.deepEqual(mentionedHandles("@admin@example.com is the address"), []);
  assert.deepEqual(mentionedHandles("https://social.example/@admin"), []);
  assert.deepEqual(mentionedHandles("a lone @ sign, and @."), []);
  assert.deepEqual(mentionedHandles("mail admin@example.com or ask @agent"), ["agent"]);
});

test("handleOf is the lower-cased local part", () => {
  assert.equal(handleOf("Sam.Agent@Example.com"), "sam.agent");
  assert.equal(handleOf("admin@example.com"), "admin");
});

test("property: a handle written after a word break, with trailing punctuation, is found", () => {
  fc.assert(
    fc.property(filler, leading, handle, trailing, filler, (before, lead, h, trail, after) => {
      const text = `${before} ${lead}@${h}${trail} ${after}`;
      assert.ok(mentionedHandles(text).includes(h.toLowerCase()), `${JSON.stringify(text)} should mention ${h}`);
    }),
  );
});

test("property: an email address never counts as a mention", () => {
  fc.assert(
    fc.property(handle, handle, fc.constantFrom("example.com", "admin.com", "x.org"), filler, (local, h, domain, around) => {
      const text = `${around} ${local}@${h}.${domain} ${around}`;
      assert.deepEqual(mentionedHandles(text), []);
      assert.deepEqual(mentionedHandles(`${around} @${h}@${domain} ${around}`), []);
    }),
  );
});

test("property: matches point at the text as written, and case does not matter", () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(filler, handle.map((h) => ` @${h} `)), { maxLength: 8 }), (parts) => {
      const text = parts.join("");
      for (const m of parseMentions(text)) assert.equal(text.slice(m.start, m.end).toLowerCase(), `@${m.handle}`);
      assert.deepEqual(mentionedHandles(text.toUpperCase()), mentionedHandles(text));
    }),
  );
});

test("property: splitMentions loses nothing and its mentions are the parser's", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (text) => {
      const segments = splitMentions(text);
      assert.equal(segments.map((s) => s.text).join(""), text);
      assert.deepEqual(
        segments.flatMap((s) => (s.kind === "mention" ? [s.handle] : [])),
        parseMentions(text).map((m) => m.handle),
      );
    }),
  );
});
