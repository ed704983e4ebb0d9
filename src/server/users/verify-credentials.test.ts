import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import bcrypt from "bcryptjs";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { runtime } from "../runtime";
import { NO_PASSWORD } from "./invite-token";
import { verifyCredentials } from "./verify-credentials";

let database: Awaited<ReturnType<typeof openMemoryDb>>;

before(async () => {
  database = await openMemoryDb();
  runtime().prisma = database.prisma;
});

after(async () => {
  runtime().prisma = undefined;
  await database.close();
});

test("a legacy bcrypt hash signs in and is replaced by argon2id; the old password keeps working", async () => {
  await database.prisma.user.create({
    data: { email: "legacy@example.com", name: "Legacy", role: "REQUESTER", passwordHash: await bcrypt.hash("old-password", 4) },
  });
  assert.equal(await verifyCredentials({ email: "legacy@example.com", password: "wrong" }), null);
  const stillBcrypt = await database.prisma.user.findUniqueOrThrow({ where: { email: "legacy@example.com" } });
  assert.match(stillBcrypt.passwordHash, /^\$2[ab]\$/, "a failed check upgrades nothing");

  const user = await verifyCredentials({ email: "legacy@example.com", password: "old-password" });
  assert.equal(user?.email, "legacy@example.com");
  const upgraded = await database.prisma.user.findUniqueOrThrow({ where: { email: "legacy@example.com" } });
  assert.match(upgraded.passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal((await verifyCredentials({ email: "legacy@example.com", password: "old-password" }))?.id, user!.id);
});

test("a legacy bcrypt user with a password past 72 bytes is refused, not matched on a prefix", async () => {
  const long = "p".repeat(80);
  await database.prisma.user.create({
    data: { email: "long@example.com", name: "Long", role: "REQUESTER", passwordHash: await bcrypt.hash(long, 4) },
  });
  assert.equal(await verifyCredentials({ email: "long@example.com", password: long.slice(0, 72) + "x".repeat(8) }), null);
  assert.equal(await verifyCredentials({ email: "long@example.com", password: long }), null);
});

test("unknown emails and inactive users fail", async () => {
  assert.equal(await verifyCredentials({ email: "nobody@example.com", password: "whatever" }), null);
  await database.prisma.user.update({ where: { email: "legacy@example.com" }, data: { active: false } });
  assert.equal(await verifyCredentials({ email: "legacy@example.com", password: "old-password" }), null);
});

test("an account waiting for its invite link has no password that signs in", async () => {
  await database.prisma.user.create({ data: { email: "invited@example.com", name: "Invited", role: "REQUESTER", passwordHash: NO_PASSWORD } });
  for (const guess of ["", "x", NO_PASSWORD, "!no-password"]) {
    assert.equal(await verifyCredentials({ email: "invited@example.com", password: guess }), null, guess);
  }
});
