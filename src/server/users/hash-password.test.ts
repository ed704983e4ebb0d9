import assert from "node:assert/strict";
import { test } from "node:test";
import bcrypt from "bcryptjs";
import { ZSignIn } from "../../shared/schemas/auth";
import { hashPassword, verifyDummy, verifyPassword } from "./hash-password";

test("new hashes are argon2id with OWASP parameters and verify", async () => {
  const stored = await hashPassword("correct horse");
  assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.deepEqual(await verifyPassword(stored, "correct horse"), { ok: true, needsRehash: false });
  assert.deepEqual(await verifyPassword(stored, "correct horsE"), { ok: false, needsRehash: false });
});

test("legacy bcrypt hashes verify and ask to be upgraded", async () => {
  const stored = await bcrypt.hash("password", 4);
  assert.deepEqual(await verifyPassword(stored, "password"), { ok: true, needsRehash: true });
  assert.equal((await verifyPassword(stored, "wrong")).ok, false);
});

test("a password past bcrypt's 72 bytes is refused against a bcrypt hash, not checked truncated", async () => {
  const long = "é".repeat(40); // 80 bytes in UTF-8
  const stored = await bcrypt.hash(long, 4);
  // bcrypt itself would accept any password sharing the first 72 bytes.
  assert.equal(await bcrypt.compare(long.slice(0, 36) + "xxxx", stored), true);
  assert.equal((await verifyPassword(stored, long.slice(0, 36) + "xxxx")).ok, false);
  assert.equal((await verifyPassword(stored, long)).ok, false);
});

test("argon2id hashes the whole password: a long one differs in its last character", async () => {
  const long = "a".repeat(150);
  const stored = await hashPassword(long);
  assert.equal((await verifyPassword(stored, long)).ok, true);
  assert.equal((await verifyPassword(stored, "a".repeat(149) + "b")).ok, false);
});

test("a malformed stored hash is a failed check, and the dummy check completes", async () => {
  assert.equal((await verifyPassword("$argon2id$garbage", "x")).ok, false);
  await verifyDummy("anything");
});

test("passwords over the limit are refused with a clear message", () => {
  const r = ZSignIn.safeParse({ email: "a@example.com", password: "x".repeat(201) });
  assert.equal(r.success, false);
  assert.match(r.error!.issues[0]!.message, /at most 200 characters/);
});
