import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decode, encode } from "next-auth/jwt";
import { decodeSessionToken, sessionClaimsOf } from "./session-token";

const SECRET = "a-test-secret-of-at-least-32-characters";

/** What next-auth's own `decode` answers: the claims, or null where it throws. */
async function nextAuthDecode(token: string, secret: string) {
  try {
    return await decode({ token, secret });
  } catch {
    return null;
  }
}

const claims = fc.record(
  {
    sub: fc.string({ minLength: 1, maxLength: 30 }),
    sid: fc.string({ minLength: 1, maxLength: 30 }),
    name: fc.string({ maxLength: 40 }),
    email: fc.emailAddress(),
    role: fc.constantFrom("ADMIN", "AGENT", "REQUESTER"),
  },
  { requiredKeys: ["sub", "sid"] },
);

test("decodes what next-auth encodes, with the same claims as next-auth's decode", async () => {
  await fc.assert(
    fc.asyncProperty(claims, async (c) => {
      const token = await encode({ token: c, secret: SECRET });
      const ours = await decodeSessionToken(token, SECRET);
      assert.deepEqual(ours, await nextAuthDecode(token, SECRET));
      assert.equal(ours?.sub, c.sub);
      assert.equal(ours?.sid, c.sid);
    }),
    { numRuns: 50 },
  );
});

test("refuses what next-auth's decode refuses: another secret, a changed token, an expired one; keeps its clock tolerance", async () => {
  const token = await encode({ token: { sub: "u1", sid: "s1" }, secret: SECRET });
  const other = "another-secret-of-at-least-32-characters";
  assert.equal(await nextAuthDecode(token, other), null);
  assert.equal(await decodeSessionToken(token, other), null, "another secret");
  // The key follows the secret: the first one works again afterwards.
  assert.equal((await decodeSessionToken(token, SECRET))?.sid, "s1");

  const parts = token.split(".");
  const flip = (s: string) => (s[5] === "A" ? `${s.slice(0, 5)}B${s.slice(6)}` : `${s.slice(0, 5)}A${s.slice(6)}`);
  for (const i of [0, 2, 3, 4]) {
    const changed = parts.map((p, j) => (j === i ? flip(p) : p)).join(".");
    assert.equal(await nextAuthDecode(changed, SECRET), null, `next-auth refuses part ${i} changed`);
    assert.equal(await decodeSessionToken(changed, SECRET), null, `part ${i} changed`);
  }
  assert.equal(await decodeSessionToken("not-a-token", SECRET), null);

  const expired = await encode({ token: { sub: "u1", sid: "s1" }, secret: SECRET, maxAge: -60 });
  assert.equal(await nextAuthDecode(expired, SECRET), null);
  assert.equal(await decodeSessionToken(expired, SECRET), null, "expired a minute ago");
  const justExpired = await encode({ token: { sub: "u1", sid: "s1" }, secret: SECRET, maxAge: -5 });
  assert.equal((await nextAuthDecode(justExpired, SECRET))?.sid, "s1");
  assert.equal((await decodeSessionToken(justExpired, SECRET))?.sid, "s1", "within the 15 s tolerance, as next-auth");
});

test("what a token claims, for a write that checks the session itself: user, session, name and role as issued; nothing from a token without a session or past its end", async () => {
  const claimsOf = async (token: Record<string, unknown>, maxAge?: number) =>
    sessionClaimsOf(await decodeSessionToken(await encode({ token, secret: SECRET, ...(maxAge !== undefined ? { maxAge } : {}) }), SECRET));
  const issued = await claimsOf({ sub: "u1", sid: "s1", name: "Alice", email: "a@example.com", role: "AGENT" });
  assert.deepEqual({ ...issued, expiresAt: undefined }, { userId: "u1", sessionId: "s1", claimedName: "Alice", claimedRole: "AGENT", expiresAt: undefined });
  assert.ok(issued!.expiresAt > Date.now());
  // A role the app does not know, or none, and no name: claimed as unknown (the write then checks the session first).
  assert.deepEqual(
    [await claimsOf({ sub: "u1", sid: "s1", role: "ROOT" }), await claimsOf({ sub: "u1", sid: "s1", name: 42 })].map((c) => [c?.claimedName, c?.claimedRole]),
    [[null, null], [null, null]],
  );
  assert.equal(await claimsOf({ sub: "u1", name: "Alice", role: "AGENT" }), null, "no session id");
  assert.equal(await claimsOf({ sid: "s1", name: "Alice", role: "AGENT" }), null, "no user");
  // Within the decoder's clock tolerance, but past its end: refused, as authenticateClaims refuses it.
  assert.equal(await claimsOf({ sub: "u1", sid: "s1", name: "Alice", role: "AGENT" }, -5), null);
});
