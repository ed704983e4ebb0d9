import assert from "node:assert/strict";
import { test } from "node:test";
import type { PresenceViewer } from "../shared/realtime";
import { initialsOf, othersWritingReply, typingLineOf } from "./presence";

const viewers: PresenceViewer[] = [
  { userId: "me", name: "Me Myself", composing: "reply" },
  { userId: "ada", name: "Ada Lovelace", composing: "reply" },
  { userId: "sam", name: "Sam", composing: "note" },
  { userId: "bo", name: "Bo" },
];

test("othersWritingReply: other people writing a public reply, never me, never a note", () => {
  assert.deepEqual(othersWritingReply(viewers, "me").map((v) => v.userId), ["ada"]);
  assert.deepEqual(othersWritingReply([], "me"), []);
});

test("typing lines name the kind being written", () => {
  assert.equal(typingLineOf(viewers[1]!), "Ada Lovelace is writing a reply");
  assert.equal(typingLineOf(viewers[2]!), "Sam is writing an internal note");
  assert.equal(typingLineOf(viewers[3]!), null);
});

test("initials: first and last word, one letter for one word", () => {
  assert.equal(initialsOf("Ada Lovelace"), "AL");
  assert.equal(initialsOf("ada  de la lovelace"), "AL");
  assert.equal(initialsOf("Sam"), "S");
  assert.equal(initialsOf("  "), "?");
  assert.equal(initialsOf("Émile Zola"), "ÉZ");
});
