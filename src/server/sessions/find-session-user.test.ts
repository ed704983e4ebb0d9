import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { PrismaClient } from "../../generated/prisma/client";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { runtime } from "../runtime";
import { createSession } from "./create-session";
import { findLiveSessions } from "./find-live-sessions";
import { findSessionUser, flushSessionTouches } from "./find-session-user";

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
  // The last test's checks scheduled a write of their sessions' last use:
  // write it now, while the database is open, not after this file is done.
  await flushSessionTouches();
  runtime().prisma = undefined;
  await db.close();
});

test("a live session's user, in one SQL statement per check", async () => {
  const sid = await createSession(alice.id, "Test browser");
  assert.deepEqual(await findSessionUser(sid, alice.id), { id: alice.id, name: "Alice", email: "alice@example.com", role: "REQUESTER" });
  await flushSessionTouches();
  statements.length = 0;
  assert.ok(await findSessionUser(sid, alice.id));
  assert.equal(statements.length, 1, statements.join("\n"));
});

test("sessions' last use is written later, many sessions in one statement, and not again within minutes", async () => {
  await flushSessionTouches();
  const hourAgo = new Date(Date.now() - 3_600_000);
  const sids = [await createSession(alice.id), await createSession(bob.id), await createSession(bob.id)];
  await prisma.session.updateMany({ where: { id: { in: sids } }, data: { lastUsedAt: hourAgo } });
  const before = Date.now();
  statements.length = 0;
  for (const [i, sid] of sids.entries()) assert.ok(await findSessionUser(sid, i === 0 ? alice.id : bob.id));
  assert.equal(statements.length, 3, `the checks alone, nothing written yet:\n${statements.join("\n")}`);
  const unwritten = await prisma.session.findMany({ where: { id: { in: sids } }, select: { lastUsedAt: true } });
  assert.ok(unwritten.every((s) => s.lastUsedAt.getTime() === hourAgo.getTime()));

  statements.length = 0;
  await flushSessionTouches();
  assert.equal(statements.length, 1, statements.join("\n"));
  assert.match(statements[0]!, /^UPDATE "Session"/);
  const written = await prisma.session.findMany({ where: { id: { in: sids } }, select: { lastUsedAt: true } });
  for (const s of written) assert.ok(s.lastUsedAt.getTime() >= before - 1000 && s.lastUsedAt.getTime() <= Date.now() + 1000, `lastUsedAt ${s.lastUsedAt.toISOString()}`);

  // Used again at once: checked, not written again.
  statements.length = 0;
  assert.ok(await findSessionUser(sids[1]!, bob.id));
  await flushSessionTouches();
  assert.equal(statements.length, 1, statements.join("\n"));
});

test("uses left pending are written by the timer, without a flush", async () => {
  await flushSessionTouches();
  const sid = await createSession(alice.id);
  const hourAgo = new Date(Date.now() - 3_600_000);
  await prisma.session.update({ where: { id: sid }, data: { lastUsedAt: hourAgo } });
  assert.ok(await findSessionUser(sid, alice.id));
  const deadline = Date.now() + 10_000;
  let lastUsedAt = hourAgo;
  while (lastUsedAt.getTime() === hourAgo.getTime() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    lastUsedAt = (await prisma.session.findUniqueOrThrow({ where: { id: sid } })).lastUsedAt;
  }
  assert.ok(lastUsedAt.getTime() > hourAgo.getTime(), "written within seconds");
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
