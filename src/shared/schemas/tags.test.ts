import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeTag, parseTagInput, tagProblem, ZListTags, ZTagName, ZTagOps } from "./tags";

test("a tag is normalized the same way everywhere: NFC, trimmed, lower case, spaces as one dash", () => {
  assert.equal(normalizeTag("  Billing   Issue "), "billing-issue");
  assert.equal(normalizeTag("Cafe\u0301"), "café");
  assert.equal(ZTagName.parse("VIP"), "vip");
  assert.equal(ZTagName.parse("größe_2.0"), "größe_2.0");
  assert.equal(ZTagName.parse("東京"), "東京");
});

test("what a tag cannot be", () => {
  for (const bad of ["", "   ", "-x", ".x", "a;b", "a,b", "a/b", "<b>", "x".repeat(41)]) {
    assert.equal(ZTagName.safeParse(bad).success, false, JSON.stringify(bad));
    assert.ok(tagProblem(normalizeTag(bad)), JSON.stringify(bad));
  }
  assert.equal(ZTagName.safeParse("a\u0000b").success, false);
  assert.equal(ZTagName.safeParse("x".repeat(40)).success, true);
});

test("operations: something to do, at most 20 per list, never the same tag added and removed", () => {
  assert.equal(ZTagOps.safeParse({}).success, false);
  assert.equal(ZTagOps.safeParse({ add: [], remove: [] }).success, false);
  assert.equal(ZTagOps.safeParse({ add: ["a"], remove: ["A "] }).success, false, "equal once normalized");
  assert.equal(ZTagOps.safeParse({ add: Array.from({ length: 21 }, (_, i) => `t${i}`) }).success, false);
  assert.equal(ZTagOps.safeParse({ add: ["a"], other: 1 }).success, false);
  assert.deepEqual(ZTagOps.parse({ add: ["A"], remove: ["b"] }), { add: ["a"], remove: ["b"] });
  assert.deepEqual(ZListTags.parse({ prefix: " Bil" }), { prefix: "bil", limit: 20 });
});

test("the tag box takes several names separated by commas and says which one is wrong", () => {
  assert.deepEqual(parseTagInput("Billing, vip ,, VIP"), { names: ["billing", "vip"], problem: null });
  const bad = parseTagInput("ok, <bad>");
  assert.deepEqual(bad.names, []);
  assert.match(bad.problem ?? "", /^<bad>:/);
});
