import assert from "node:assert/strict";
import { test } from "node:test";
import { unsubscribeToken, verifyUnsubscribeToken } from "./unsubscribe-token";

const secret = "a-secret-of-at-least-32-characters!!";

test("a token names its user and kind, and only with the secret that signed it", () => {
  const token = unsubscribeToken(secret, "user_1", "reply");
  assert.deepEqual(verifyUnsubscribeToken(secret, token), { userId: "user_1", kind: "reply" });
  assert.equal(verifyUnsubscribeToken("another-secret-of-32-characters!!!!", token), null);
});

test("altered, truncated or made-up tokens are refused", () => {
  const token = unsubscribeToken(secret, "user_1", "reply");
  const [payload, signature] = token.split(".") as [string, string];
  const otherKind = Buffer.from("user_1:resolved").toString("base64url");
  for (const bad of [`${otherKind}.${signature}`, `${payload}.${signature.slice(1)}`, payload, `${token}.x`, "", ".", "a".repeat(600)]) {
    assert.equal(verifyUnsubscribeToken(secret, bad), null, bad);
  }
  // A validly signed payload that is not user:kind.
  const forged = unsubscribeToken(secret, "user_1", "reply").replace(payload, Buffer.from("user_1:sms").toString("base64url"));
  assert.equal(verifyUnsubscribeToken(secret, forged), null);
});
