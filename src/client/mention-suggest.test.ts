import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { StaffRef } from "../shared/dto";
import { mentionedHandles } from "../shared/mentions";
import { insertMention, mentionQueryAt, suggestMentions } from "./mention-suggest";

const staff: StaffRef[] = [
  { id: "1", name: "Ada Admin", handle: "admin" },
  { id: "2", name: "Sam Agent", handle: "agent" },
  { id: "3", name: "Sam Other", handle: "s.other" },
];

test("the @prefix at the caret, not inside an email address", () => {
  assert.deepEqual(mentionQueryAt("hi @ag", 6), { start: 3, end: 6, query: "ag" });
  assert.deepEqual(mentionQueryAt("@", 1), { start: 0, end: 1, query: "" });
  assert.equal(mentionQueryAt("mail x@ag", 9), null);
  assert.equal(mentionQueryAt("hi @ag now", 10), null);
  assert.equal(mentionQueryAt("no at sign", 5), null);
});

test("suggestions match the handle or a word of the name, handle matches first", () => {
  assert.deepEqual(suggestMentions("cc @a", 5, staff)!.items.map((s) => s.handle), ["admin", "agent"]);
  assert.deepEqual(suggestMentions("cc @sam", 7, staff)!.items.map((s) => s.handle), ["agent", "s.other"]);
  assert.deepEqual(suggestMentions("cc @s", 5, staff)!.items.map((s) => s.handle), ["s.other", "agent"]);
  assert.deepEqual(suggestMentions("cc @AG", 6, staff)!.items.map((s) => s.handle), ["agent"]);
  assert.equal(suggestMentions("@", 1, staff, 2)!.items.length, 2);
  assert.equal(suggestMentions("plain", 5, staff), null);
});

test("inserting replaces the prefix with @handle and a space, caret after it", () => {
  const q = mentionQueryAt("cc @ag please", 6)!;
  assert.deepEqual(insertMention("cc @ag please", q, "agent"), { text: "cc @agent please", caret: 10 });
  const end = mentionQueryAt("cc @ad", 6)!;
  assert.deepEqual(insertMention("cc @ad", end, "admin"), { text: "cc @admin ", caret: 10 });
  // Choosing with the caret inside a word replaces the whole word.
  const mid = mentionQueryAt("cc @adXYZ done", 6)!;
  assert.deepEqual(insertMention("cc @adXYZ done", mid, "admin"), { text: "cc @admin done", caret: 10 });
});

test("property: whatever was typed, the inserted mention is one the parser finds", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), fc.constantFrom(...staff), fc.string({ maxLength: 20 }), (before, s, after) => {
      const text = `${before} @${s.handle.slice(0, 2)}`;
      const q = mentionQueryAt(text, text.length)!;
      const out = insertMention(text + after, q, s.handle);
      assert.ok(mentionedHandles(out.text).includes(s.handle), JSON.stringify(out.text));
      assert.equal(out.text.slice(0, out.caret).endsWith(`@${s.handle} `), true);
    }),
  );
});
