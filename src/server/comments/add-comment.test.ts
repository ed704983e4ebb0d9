import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import type { PrismaClient } from "../../generated/prisma/client";
import type { SessionUser } from "../../shared/dto";
import { isUniqueViolation } from "../db";
import { pgliteSql } from "../db/sql";
import { readStream, streamHead } from "../engine/stream";
import { readStoredPayload } from "../events/payloads";
import type { RecordedTicketEvent } from "../events/view-event";
import { fingerprintOf, type Remember, runIdempotent } from "../integrity/run-idempotent";
import { AppError } from "../errors";
import { flushSessionTouches } from "../sessions/find-session-user";
import { env } from "../env";
import { limiter } from "../limits/store";
import { runtime } from "../runtime";
import { claimedSession, type ClaimedSession, type SessionClaims } from "../auth/session-token";
import { addComment, addCommentWithSession } from "./add-comment";

// The single-statement reply (add-comment.ts) against the real migrations on
// an in-memory PGlite, through the same direct-statement path the server uses
// on the embedded database. The HTTP contract, PostgreSQL and concurrency are
// tests/integration (http-api, lifecycle, realtime) and tests/security
// (integrity, internal-notes).
let database: Awaited<ReturnType<typeof openMemoryDb>>;
let prisma: PrismaClient;
const prismaQueries: string[] = [];
const direct: string[] = [];
let agent: SessionUser;
let alice: SessionUser;

before(async () => {
  database = await openMemoryDb({ queryLog: prismaQueries });
  prisma = database.prisma;
  runtime().prisma = prisma;
  runtime().sql = pgliteSql(database.client, (sql) => direct.push(sql));
  const user = (name: string, role: "AGENT" | "REQUESTER") =>
    prisma.user.create({ data: { name, email: `${name.toLowerCase()}@example.com`, passwordHash: "x", role } });
  const a = await user("Agent", "AGENT");
  const b = await user("Alice", "REQUESTER");
  agent = { id: a.id, role: "AGENT", name: a.name, email: a.email };
  alice = { id: b.id, role: "REQUESTER", name: b.name, email: b.email };
});

after(async () => {
  // The session checks scheduled a write of their sessions' last use: write
  // it now, while the database is open, not after this file is done.
  await flushSessionTouches();
  runtime().prisma = undefined;
  runtime().sql = undefined;
  await database.close();
});

beforeEach(() => {
  prismaQueries.length = 0;
  direct.length = 0;
});

/** The comment limit's limiter, as enforce-creation-limit.ts makes it. */
const commentLimit = () => ({ keyPrefix: "create:comment", points: env().COMMENT_CREATE_LIMIT, duration: 60 });

const newTicket = () =>
  prisma.ticket.create({ data: { title: "Printer", description: "It jams.", requesterId: alice.id, lastSeq: 3, lastPublicSeq: 2, updatedAt: new Date("2026-01-01T00:00:00Z") } });

test("a reply without files is one statement, with no read of the ticket before it, no Prisma call and no transaction", async () => {
  const ticket = await newTicket();
  await prisma.draft.create({ data: { userId: agent.id, ticketId: ticket.id, body: "half-written" } });
  prismaQueries.length = 0;
  direct.length = 0;

  const before = Date.now();
  const dto = await addComment(agent, ticket.id, { body: "Have you tried turning it off?", internal: false });

  assert.equal(direct.length, 1, "the insert, which checks access as it writes");
  assert.deepEqual(prismaQueries, []);
  assert.equal(dto.body, "Have you tried turning it off?");
  assert.deepEqual(dto.author, { id: agent.id, name: "Agent", role: "AGENT" });
  assert.equal(dto.internal, false);

  const comment = await prisma.comment.findUniqueOrThrow({ where: { id: dto.id } });
  assert.equal(comment.createdAt.toISOString(), dto.createdAt, "stored in UTC, to the millisecond");
  assert.ok(comment.createdAt.getTime() >= before - 1 && comment.createdAt.getTime() <= Date.now() + 1);

  const event = await prisma.ticketEvent.findFirstOrThrow({ where: { ticketId: ticket.id } });
  assert.equal(event.seq, 4);
  assert.equal(event.publicSeq, 3);
  assert.equal(event.type, "comment:added");
  assert.equal(event.internal, false);
  assert.equal(event.actorId, agent.id);
  assert.equal(event.createdAt.toISOString(), dto.createdAt);
  assert.deepEqual(readStoredPayload(event.type, event.payloadVersion, event.payload).data, { comment: dto }, "the event carries exactly the answer");

  const after = await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
  assert.equal(after.lastSeq, 4);
  assert.equal(after.lastPublicSeq, 3);
  assert.equal(after.lastActorId, agent.id);
  assert.equal(after.lastPublicActorId, agent.id);
  assert.equal(after.lastReplierId, agent.id);
  assert.equal(after.updatedAt.toISOString(), dto.createdAt, "a public reply touches the ticket");
  assert.equal(after.version, ticket.version, "a reply is not a field change");
  assert.equal(await prisma.draft.count({ where: { userId: agent.id, ticketId: ticket.id } }), 0, "the draft is spent");
});

test("an internal note moves nothing a requester can read", async () => {
  const ticket = await newTicket();
  const dto = await addComment(agent, ticket.id, { body: "Between us", internal: true });
  const event = await prisma.ticketEvent.findFirstOrThrow({ where: { ticketId: ticket.id } });
  assert.equal(event.seq, 4);
  assert.equal(event.publicSeq, null);
  assert.equal(event.internal, true);
  assert.equal(dto.internal, true);
  const after = await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
  assert.equal(after.lastSeq, 4);
  assert.equal(after.lastPublicSeq, 2);
  assert.equal(after.lastPublicActorId, ticket.lastPublicActorId);
  assert.equal(after.lastReplierId, null);
  assert.equal(after.updatedAt.toISOString(), "2026-01-01T00:00:00.000Z");
});

test("the Idempotency-Key's response is stored in the same statement; a second use of the key writes nothing", async () => {
  const ticket = await newTicket();
  const expiresAt = new Date(Date.now() + 60_000);
  const remember: Remember<unknown> = {
    key: { userId: alice.id, key: "k-1", fingerprint: "f", status: 201, expiresAt },
    inTransaction: () => Promise.reject(new Error("a plain reply stores its key in its own statement")),
  };
  const dto = await addComment(alice, ticket.id, { body: "Still broken", internal: false }, remember);
  const key = await prisma.idempotencyKey.findUniqueOrThrow({ where: { userId_key: { userId: alice.id, key: "k-1" } } });
  assert.deepEqual(key.response, dto);
  assert.equal(key.status, 201);
  assert.equal(key.fingerprint, "f");
  assert.equal(key.expiresAt.toISOString(), expiresAt.toISOString());

  await assert.rejects(addComment(alice, ticket.id, { body: "Still broken", internal: false }, remember), (e) => isUniqueViolation(e));
  assert.equal(await prisma.comment.count({ where: { ticketId: ticket.id } }), 1, "the losing statement wrote no comment");
  assert.equal(await prisma.ticketEvent.count({ where: { ticketId: ticket.id } }), 1, "and no event");
  assert.equal((await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).lastSeq, 4, "and took no seq");
});

test("a requester cannot write an internal note, and another requester's ticket is not found: nothing is written", async () => {
  const ticket = await newTicket();
  await assert.rejects(addComment(alice, ticket.id, { body: "psst", internal: true }), { code: "FORBIDDEN" });
  const bob = await prisma.user.create({ data: { name: "Bob", email: "bob@example.com", passwordHash: "x" } });
  // A draft of Bob's on that ticket (from before it was out of his reach) is not his refused reply's to spend.
  await prisma.draft.create({ data: { userId: bob.id, ticketId: ticket.id, body: "kept" } });
  const bobUser: SessionUser = { id: bob.id, name: "Bob", email: bob.email, role: "REQUESTER" };
  const counted = async () => (await limiter(commentLimit()).get(bob.id))?.consumedPoints ?? 0;
  const countedBefore = await counted();
  await assert.rejects(addComment(bobUser, ticket.id, { body: "hi", internal: false }), { code: "NOT_FOUND" });
  await assert.rejects(addComment(bobUser, "no-such-ticket-id", { body: "hi", internal: false }), { code: "NOT_FOUND" });
  assert.equal(await counted(), countedBefore, "a refused reply does not count against the creation limit");
  assert.equal(await prisma.comment.count({ where: { ticketId: ticket.id } }), 0);
  assert.equal((await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).lastSeq, 3);
  assert.equal(await prisma.draft.count({ where: { userId: bob.id, ticketId: ticket.id } }), 1, "the draft is kept");
});

test("a requester's reply to their Waiting ticket reopens it, once; their reply to an open one counts once against the limit", async () => {
  const ticket = await prisma.ticket.update({ where: { id: (await newTicket()).id }, data: { status: "WAITING" } });
  const counted = async () => (await limiter(commentLimit()).get(alice.id))?.consumedPoints ?? 0;
  const countedBefore = await counted();
  const dto = await addComment(alice, ticket.id, { body: "Here is the log", internal: false });
  assert.equal(await counted(), countedBefore + 1, "counted once, though the one-statement path was tried first");
  const after = await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
  assert.equal(after.status, "OPEN");
  const events = await prisma.ticketEvent.findMany({ where: { ticketId: ticket.id }, orderBy: { seq: "asc" } });
  assert.deepEqual(
    events.map((e) => [e.seq, e.type]),
    [
      [4, "comment:added"],
      [5, "ticket:updated"],
    ],
  );
  assert.equal(await prisma.comment.count({ where: { ticketId: ticket.id } }), 1);
  assert.equal(dto.body, "Here is the log");
  // Open now: the next reply is the one statement.
  direct.length = 0;
  await addComment(alice, ticket.id, { body: "and the screenshot", internal: false });
  assert.equal(direct.length, 1);
  assert.equal(await counted(), countedBefore + 2);
});

test("a reply or note of one statement hands its event to the relay exactly as the stream reads it back; a reply with files does not", async () => {
  const ticket = await newTicket();
  const handed: { event: RecordedTicketEvent; requesterId: string }[] = [];
  const wakes: (boolean | undefined)[] = [];
  runtime().deliverCommitted = (event, requesterId) => (handed.push({ event, requesterId }), true);
  runtime().wake = (urgent) => void wakes.push(urgent);
  try {
    const from = await streamHeadOf();
    await addComment(alice, ticket.id, { body: "Any news?", internal: false });
    await addComment(agent, ticket.id, { body: "Looking.", internal: true });
    const streamed = (await readStream(pgliteSql(database.client), from, 10)).map((e) => ({ event: e.event, requesterId: e.requesterId }));
    assert.equal(streamed.length, 2);
    // The reply and the note, both one statement: each handed over as the stream has it.
    assert.deepEqual(handed, streamed);
    assert.deepEqual(
      handed.map((h) => [h.event.seq, h.event.publicSeq]),
      [[4, 3], [5, null]],
    );
    // Delivered here: the relay's read need not be at once.
    assert.deepEqual(wakes, [false, false]);

    // Not delivered (the relay did not have the ticket's previous event): the read is urgent.
    runtime().deliverCommitted = () => false;
    await addComment(agent, ticket.id, { body: "Still looking.", internal: false });
    assert.deepEqual(wakes, [false, false, true]);
    // A reply with files is a transaction of several statements: the read delivers it, at once.
    runtime().deliverCommitted = (event, requesterId) => (handed.push({ event, requesterId }), true);
    const staged = await prisma.attachment.create({
      data: { ticketId: ticket.id, uploaderId: agent.id, originalName: "a.txt", contentType: "text/plain", size: 1, sha256: "0".repeat(64), storageKey: `k-${ticket.id}`, staged: true },
    });
    await addComment(agent, ticket.id, { body: "See the file.", internal: false, attachmentIds: [staged.id] });
    assert.equal(handed.length, 2);
    assert.deepEqual(wakes, [false, false, true, true]);
  } finally {
    runtime().deliverCommitted = undefined;
    runtime().wake = undefined;
  }
});

/** The cursor after the newest event (what a relay starting now would start from). */
async function streamHeadOf() {
  return streamHead(prisma);
}

test("with an Idempotency-Key a reply is still one statement; its retry writes nothing, costs nothing against the limit, and gets the first response", async () => {
  const ticket = await newTicket();
  const input = { body: "Sent twice", internal: false };
  const idem = { userId: agent.id, key: `k-${ticket.id}`, fingerprint: fingerprintOf("POST", `/api/tickets/${ticket.id}/comments`, input) };
  const counted = async () => (await limiter(commentLimit()).get(agent.id))?.consumedPoints ?? 0;
  const send = (body = input) =>
    runIdempotent({ ...idem, fingerprint: fingerprintOf("POST", `/api/tickets/${ticket.id}/comments`, body) }, 201, (remember) => addComment(agent, ticket.id, body, remember), { writeFirst: true });

  const before = await counted();
  direct.length = 0;
  const first = await send();
  assert.equal(first.replayed, false);
  assert.equal(direct.length, 1, `no lookup before the reply's statement: ${direct.join(" | ")}`);
  assert.equal(await counted(), before + 1);

  const retry = await send();
  assert.equal(retry.replayed, true);
  assert.deepEqual(retry.body, first.body, "the first response");
  assert.equal(await counted(), before + 1, "the retry cost nothing against the limit");
  assert.equal(await prisma.comment.count({ where: { ticketId: ticket.id } }), 1, "and wrote nothing");
  assert.equal((await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).lastSeq, 4);

  // The same key for a different reply is refused, and writes nothing either.
  await assert.rejects(send({ body: "Something else", internal: false }), (e: unknown) => e instanceof AppError && e.code === "IDEMPOTENCY_KEY_REUSED");
  assert.equal(await prisma.comment.count({ where: { ticketId: ticket.id } }), 1);
  assert.equal(await counted(), before + 1);

  // A retry after the ticket stopped being the sender's to reply to still gets the first response.
  const own = await newTicket();
  const aliceIdem = { userId: alice.id, key: `k-${own.id}`, fingerprint: fingerprintOf("POST", `/api/tickets/${own.id}/comments`, input) };
  const sendAsAlice = () => runIdempotent(aliceIdem, 201, (remember) => addComment(alice, own.id, input, remember), { writeFirst: true });
  const hers = await sendAsAlice();
  const bob = await prisma.user.create({ data: { name: "Bob", email: `bob-${own.id}@example.com`, passwordHash: "x", role: "REQUESTER" } });
  await prisma.ticket.update({ where: { id: own.id }, data: { requesterId: bob.id } });
  const again = await sendAsAlice();
  assert.equal(again.replayed, true);
  assert.deepEqual(again.body, hers.body);

  // An expired key is no obstacle: the request runs as new.
  await prisma.idempotencyKey.update({ where: { userId_key: { userId: agent.id, key: idem.key } }, data: { expiresAt: new Date(Date.now() - 1000) } });
  const fresh = await send();
  assert.equal(fresh.replayed, false);
  assert.equal(await prisma.comment.count({ where: { ticketId: ticket.id } }), 2);
});

/** A session row for `user`, and what a token for it claims (as the route hands it over, unchecked). */
async function sessionFor(user: SessionUser, claimed: Partial<SessionClaims> = {}, row: { expiresAt?: Date; revokedAt?: Date } = {}) {
  const s = await prisma.session.create({ data: { userId: user.id, expiresAt: row.expiresAt ?? new Date(Date.now() + 3_600_000), revokedAt: row.revokedAt ?? null } });
  const claims: SessionClaims = { userId: user.id, sessionId: s.id, claimedName: user.name, claimedRole: user.role, expiresAt: Date.now() + 3_600_000, ...claimed };
  return { id: s.id, session: () => claimedSession(claims) };
}

test("on a session the route has not checked, a reply is still one statement: it checks the session as it writes", async () => {
  const ticket = await newTicket();
  const { session } = await sessionFor(agent);
  direct.length = 0;
  const dto = await addCommentWithSession(session(), ticket.id, { body: "Checked in the write", internal: false });
  assert.equal(direct.length, 1, `the reply's statement alone: ${direct.join(" | ")}`);
  assert.match(direct[0]!, /"Session"/, "which reads the session");
  assert.deepEqual(dto.author, { id: agent.id, name: "Agent", role: "AGENT" });
  assert.equal(await prisma.comment.count({ where: { ticketId: ticket.id } }), 1);
});

test("an ended session's reply writes nothing, counts nothing and is refused as signed out, its Idempotency-Key's first response included", async () => {
  const counted = async (id: string) => (await limiter(commentLimit()).get(id))?.consumedPoints ?? 0;
  const unauthorized = (e: unknown) => e instanceof AppError && e.code === "UNAUTHORIZED";
  const carol = await prisma.user.create({ data: { name: "Carol", email: "carol@example.com", passwordHash: "x", role: "AGENT" } });
  const carolUser: SessionUser = { id: carol.id, name: carol.name, email: carol.email, role: "AGENT" };
  const ticket = await newTicket();
  const input = { body: "Should not land", internal: false };
  const idem = { userId: carol.id, key: `k-ended-${ticket.id}`, fingerprint: fingerprintOf("POST", `/api/tickets/${ticket.id}/comments`, input) };

  // Carol's reply lands while her session is live; the same send again (a retry) after it ended is refused, not replayed.
  const live = await sessionFor(carolUser);
  const send = () => runIdempotent(idem, 201, (remember) => addCommentWithSession(live.session(), ticket.id, input, remember), { writeFirst: true });
  assert.equal((await send()).replayed, false);
  await prisma.session.update({ where: { id: live.id }, data: { revokedAt: new Date() } });
  const cases: [string, () => Promise<{ session: () => ClaimedSession }>][] = [
    ["revoked", async () => live],
    ["revoked, another send", async () => sessionFor(carolUser, {}, { revokedAt: new Date() })],
    ["past its end in the database", async () => sessionFor(carolUser, {}, { expiresAt: new Date(Date.now() - 1000) })],
    ["another user's session id", async () => ({ session: () => claimedSession({ userId: carol.id, sessionId: "", claimedName: "Carol", claimedRole: "AGENT", expiresAt: Date.now() + 60_000 }) })],
  ];
  const before = await counted(carol.id);
  const seqBefore = (await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).lastSeq;
  await assert.rejects(send(), unauthorized, "the retry");
  for (const [name, make] of cases) {
    const { session } = await make();
    await assert.rejects(addCommentWithSession(session(), ticket.id, { body: `${name}: should not land`, internal: false }), unauthorized, name);
  }
  // A deactivated user's live session row, and a reply with a file (the checked path): refused alike.
  const other = await sessionFor(carolUser);
  await prisma.user.update({ where: { id: carol.id }, data: { active: false } });
  await assert.rejects(addCommentWithSession(other.session(), ticket.id, input), unauthorized, "deactivated");
  await assert.rejects(addCommentWithSession(other.session(), ticket.id, { ...input, attachmentIds: ["a".repeat(25)] }), unauthorized, "with a file");

  assert.equal(await prisma.comment.count({ where: { ticketId: ticket.id } }), 1, "only the reply sent while live");
  assert.equal((await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).lastSeq, seqBefore, "no event");
  assert.equal(await counted(carol.id), before, "nothing counted against the limit");
  await prisma.user.update({ where: { id: carol.id }, data: { active: true } });
});

test("a token issued before a rename or a role change: the reply is written as the user is now", async () => {
  const dave = await prisma.user.create({ data: { name: "Dave", email: "dave@example.com", passwordHash: "x", role: "AGENT" } });
  const daveAsIssued: SessionUser = { id: dave.id, name: "Dave", email: dave.email, role: "AGENT" };
  const ticket = await newTicket();
  const { session } = await sessionFor(daveAsIssued);

  await prisma.user.update({ where: { id: dave.id }, data: { name: "David" } });
  direct.length = 0;
  const renamed = await addCommentWithSession(session(), ticket.id, { body: "From David", internal: false });
  assert.deepEqual(renamed.author, { id: dave.id, name: "David", role: "AGENT" }, "the name the database has now");
  assert.equal(direct.length, 3, `the write as claimed (nothing written), the session check, the write as he is now: ${direct.join(" | ")}`);
  const event = await prisma.ticketEvent.findFirstOrThrow({ where: { ticketId: ticket.id }, orderBy: { seq: "desc" } });
  assert.deepEqual(readStoredPayload(event.type, event.payloadVersion, event.payload).data, { comment: renamed }, "and so does its event");

  // Demoted to requester: Alice's ticket is no longer his to answer, nor are notes his to write.
  await prisma.user.update({ where: { id: dave.id }, data: { role: "REQUESTER" } });
  const count = await prisma.comment.count({ where: { ticketId: ticket.id } });
  await assert.rejects(addCommentWithSession(session(), ticket.id, { body: "As an agent still?", internal: false }), (e: unknown) => e instanceof AppError && e.code === "NOT_FOUND");
  await assert.rejects(addCommentWithSession(session(), ticket.id, { body: "A note?", internal: true }), (e: unknown) => e instanceof AppError && (e.code === "NOT_FOUND" || e.code === "FORBIDDEN"));
  assert.equal(await prisma.comment.count({ where: { ticketId: ticket.id } }), count, "nothing written");

  // A token without a name or role claim (issued elsewhere) is checked first, then written as the user is.
  const bare = await sessionFor(alice, { claimedName: null, claimedRole: null });
  const own = await newTicket();
  direct.length = 0;
  const hers = await addCommentWithSession(bare.session(), own.id, { body: "Mine", internal: false });
  assert.equal(hers.author.name, "Alice");
  assert.equal(direct.length, 2, `the session check, then the reply: ${direct.join(" | ")}`);
});
