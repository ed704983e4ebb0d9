import assert from "node:assert/strict";
import { test } from "node:test";
import type { PresenceViewer } from "../shared/realtime";
import { initialsOf, othersNotListed, othersWritingReply, presenceAfterList, typingLineOf } from "./presence";

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

test("othersNotListed: the people counted but not listed, without me", () => {
  const staff = (id: string): PresenceViewer => ({ userId: id, name: id, role: "AGENT", idle: false });
  const listed = Array.from({ length: 20 }, (_, i) => staff(`u${i}`));
  assert.equal(othersNotListed({ viewers: listed.slice(0, 3), total: 3 }, "u0", true), 0);
  // Staff view, I have the ticket open and am listed: the 10 missing are others.
  assert.equal(othersNotListed({ viewers: listed, total: 30 }, "u0", true), 10);
  // Staff view, I have it open but am not listed: I am one of the missing.
  assert.equal(othersNotListed({ viewers: listed, total: 30 }, "me", true), 9);
  // A ticket list cannot tell whether I have the ticket open elsewhere: all missing count as others.
  assert.equal(othersNotListed({ viewers: listed, total: 30 }, "me", false), 10);
  // A requester's view (no roles) never counts requesters, so never me.
  const names = listed.map(({ userId, name }) => ({ userId, name }));
  assert.equal(othersNotListed({ viewers: names, total: 25 }, "alice", true), 5);
});

test("presenceAfterList: summaries received while the list was asked for win over its answer", () => {
  const sam: PresenceViewer = { userId: "sam", name: "Sam" };
  const ada: PresenceViewer = { userId: "ada", name: "Ada" };
  // The answer was read while Sam still viewed t1; meanwhile the summary said t1 was empty, and Ada opened t3.
  const ack = { viewers: { t1: [sam], t2: [ada] }, totals: { t1: 1, t2: 1 } };
  const since = new Map([
    ["t1", { viewers: [], total: 0 }],
    ["t3", { viewers: [ada], total: 1 }],
  ]);
  const map = presenceAfterList(ack, since);
  assert.deepEqual(map.get("t1"), { viewers: [], total: 0 });
  assert.deepEqual(map.get("t2"), { viewers: [ada], total: 1 });
  assert.deepEqual(map.get("t3"), { viewers: [ada], total: 1 });
  // With nothing in between, the answer as it is (a total beyond the listed viewers kept).
  assert.deepEqual(presenceAfterList({ viewers: { t1: [sam] }, totals: { t1: 25 } }, new Map()).get("t1"), { viewers: [sam], total: 25 });
});
