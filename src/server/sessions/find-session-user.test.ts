import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { PrismaClient } from "../../generated/prisma/client";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { runtime } from "../runtime";
import { createSession } from "./create-session";
import { findLiveSessions } from "./find-live-sessions";
import { findSessionUser } from "./find-session-user";

// The in-memory database with Prisma's query log, to count the SQL statements.
let db: Awaited<ReturnType<typeof openMemoryDb>>;
let prisma: PrismaClient;
const statements: string[] = [];
let alice: { id: string };
let bob: { id: string };

before(async () => {
  db = await openMemoryDb({ queryLog: statements });
  prisma = db.prisma;
  runtime().prisma = prisma;
  alice = await prisma.user.create({ data: { name: "Alice", email: "alice@example.com", passwordHash: "x" } });
  bob = await prisma.user.create({ data: { name: "Bob", email: "bob@example.com", passwordHash: "x", role: "AGENT" } });
});

after(async () => {
  runtime().prisma = undefined;
  await db.close();
});

/** Let the fire-and-forget lastUsedAt refresh finish. */
const settle = () => new Promise((r) => setTimeout(r, 50));

test("a live session's user, in one SQL statement per check", async () => {
  const sid = await createSession(alice.id, "Test browser");
  assert.deepEqual(await findSessionUser(sid, alice.id), { id: alice.id, name: "Alice", email: "alice@example.com", role: "REQUESTER" });
  await settle();
  statements.length = 0;
  assert.ok(await findSessionUser(sid, alice.id));
  assert.equal(statements.length, 1, statements.join("\n"));
});

test("refused: revoked, expired, another user's, unknown, or the user deactivated", async () => {
  const sid = await createSession(alice.id);
  assert.equal(await findSessionUser(sid, bob.id), null, "a session is bound to its user");
  assert.equal(await findSessionUser("nope", alice.id), null);
  await prisma.user.update({ where: { id: alice.id }, data: { active: false } });
  assert.equal(await findSessionUser(sid, alice.id), null);
  await prisma.user.update({ where: { id: alice.id }, data: { active: true } });
  assert.ok(await findSessionUser(sid, alice.id));
  await prisma.session.update({ where: { id: sid }, data: { expiresAt: new Date(Date.now() - 1000) } });
  assert.equal(await findSessionUser(sid, alice.id), null);
  const revoked = await createSession(alice.id);
  await prisma.session.update({ where: { id: revoked }, data: { revokedAt: new Date() } });
  assert.equal(await findSessionUser(revoked, alice.id), null);
});

test("a new sign-in drops the user's expired sessions", async () => {
  const old = await createSession(bob.id);
  await prisma.session.update({ where: { id: old }, data: { expiresAt: new Date(Date.now() - 1000) } });
  await createSession(bob.id);
  assert.equal(await prisma.session.count({ where: { id: old } }), 0);
});

test("the periodic re-check sees live sessions with their user's current role", async () => {
  const a = await createSession(alice.id);
  const b = await createSession(bob.id);
  const gone = await createSession(bob.id);
  await prisma.session.update({ where: { id: gone }, data: { revokedAt: new Date() } });
  const live = await findLiveSessions([a, b, gone, "unknown"]);
  assert.deepEqual([...live].sort(), [[a, "REQUESTER"], [b, "AGENT"]].sort());
  // Past its end, or its user deactivated: not live. More ids than one
  // statement takes: the live ones in the last batch are found too.
  const expired = await createSession(alice.id);
  await prisma.session.update({ where: { id: expired }, data: { expiresAt: new Date(Date.now() - 1000) } });
  const carol = await prisma.user.create({ data: { name: "Carol", email: "carol@example.com", passwordHash: "x", role: "AGENT" } });
  const carols = await createSession(carol.id);
  await prisma.user.update({ where: { id: carol.id }, data: { active: false } });
  const many = [...Array.from({ length: 4_500 }, (_, i) => `unknown-${i}`), expired, carols, a, b];
  assert.deepEqual([...(await findLiveSessions(many))].sort(), [[a, "REQUESTER"], [b, "AGENT"]].sort());
});
