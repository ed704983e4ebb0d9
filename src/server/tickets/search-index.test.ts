import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { indexAsTheProcessorDoes, insertReply } from "../../../tests/helpers/reply-rows";
import { assertSameVectors, rebuilt as rebuiltOf, vectors as vectorsOf } from "../../../tests/helpers/search-vectors";
import type { PrismaClient } from "../../generated/prisma/client";
import { prismaSql, type Sql } from "../db/sql";

// The search index (prisma/migrations/*_search*) against the real migrations
// on an in-memory PGlite: titles, descriptions and requesters by their
// triggers, replies by the search processor's statement, which puts
// the replies a ticket's vectors do not cover yet in front of them. These
// tests hold that to what a rebuild from all of the ticket's comments
// (tandem_search_refresh) computes.
let database: Awaited<ReturnType<typeof openMemoryDb>>;
let prisma: PrismaClient;
let sql: Sql;
let requesterId: string;
let agent: { id: string; name: string; role: "AGENT" };

before(async () => {
  database = await openMemoryDb();
  prisma = database.prisma;
  sql = prismaSql(prisma);
  const user = (name: string, role: "AGENT" | "REQUESTER") =>
    prisma.user.create({ data: { name, email: `${name.toLowerCase()}@example.com`, passwordHash: "x", role } });
  requesterId = (await user("Jane Requester", "REQUESTER")).id;
  const a = await user("Agent", "AGENT");
  agent = { id: a.id, name: a.name, role: "AGENT" };
});

/** A reply as the app stores it (the comment and its event); indexed only when `index` says so. */
async function reply(ticketId: string, body: string, internal = false): Promise<void> {
  await insertReply(prisma, { ticketId, author: agent, body, internal });
}
// As the processor indexes a batch: every reply the tickets' events carry,
// those already in the index included (a batch handed over again).
const index = (...ticketIds: string[]) => indexAsTheProcessorDoes(prisma, sql, ticketIds);

after(async () => {
  await database.close();
});

const vectors = (ticketId: string) => vectorsOf(prisma, ticketId);
const rebuilt = (ticketId: string) => rebuiltOf(prisma, ticketId);

async function matches(ticketId: string, column: "public" | "internal", query: string): Promise<boolean> {
  const rows = await prisma.$queryRawUnsafe<unknown[]>(
    `SELECT 1 FROM "TicketSearch" WHERE "ticketId" = $1 AND "${column}" @@ websearch_to_tsquery('tandem_search', $2)`,
    ticketId,
    query,
  );
  return rows.length === 1;
}

// Text as people write it: words that stem, hyphenated words, addresses,
// numbers, accents and other scripts, punctuation, line breaks, quoted
// mail, and anything else fast-check makes up (PostgreSQL's text has no NUL).
const token = fc.oneof(
  fc.constantFrom(
    "printer", "Printers", "printing", "re-install", "e-mail", "jane.doe@example.com", "https://example.com/a?b=1",
    "42", "3.14", "v2.1.0", "naïve", "Ärger", "日本語", "пароль", "can't", "x", "-", "...", "\n", "> quoted", "#12", "",
  ),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/\0/g, "")),
);
const body = fc.array(token, { maxLength: 25 }).map((words) => words.join(" "));
const replyArb = fc.record({ body, internal: fc.boolean() });

let ticketNo = 0;
async function ticketWith(replies: { body: string; internal: boolean }[], description = "The printer in room 4 jams") {
  const ticket = await prisma.ticket.create({ data: { title: `Printer ${++ticketNo} is on fire`, description, requesterId } });
  for (const r of replies) await reply(ticket.id, r.body, r.internal);
  await index(ticket.id);
  return ticket.id;
}

// What changes a ticket's index: a reply or note, a new title or
// description, the requester's new name, and the processor indexing what
// has come in since it last did (any number of replies at a time, and again
// with nothing new, as a batch handed over twice is).
const text = fc.array(token, { maxLength: 8 }).map((words) => words.join(" "));
const change = fc.oneof(
  { weight: 6, arbitrary: replyArb.map((r) => ({ kind: "reply" as const, ...r })) },
  { weight: 2, arbitrary: fc.constant({ kind: "index" as const }) },
  { weight: 1, arbitrary: text.map((t) => ({ kind: "title" as const, text: t })) },
  { weight: 1, arbitrary: text.map((t) => ({ kind: "description" as const, text: t })) },
  { weight: 1, arbitrary: text.map((t) => ({ kind: "rename" as const, text: t })) },
);

test("an index kept up by the processor, any number of replies at a time, equals a rebuild from the ticket and all of its comments", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(change, { maxLength: 14 }), fc.string({ maxLength: 40 }).map((s) => s.replace(/\0/g, "")), async (changes, description) => {
      // A requester of its own: a rename reaches every ticket they opened.
      const requester = await prisma.user.create({ data: { name: "Requester", email: `r${++ticketNo}@example.com`, passwordHash: "x", role: "REQUESTER" } });
      const ticket = await prisma.ticket.create({ data: { title: `Printer ${ticketNo} is on fire`, description, requesterId: requester.id } });
      const other = await prisma.ticket.create({ data: { title: "Their other ticket", description: "", requesterId: requester.id } });
      for (const c of changes) {
        if (c.kind === "reply") {
          await reply(ticket.id, c.body, c.internal);
        } else if (c.kind === "index") {
          await index(ticket.id, other.id);
        } else if (c.kind === "rename") {
          await prisma.user.update({ where: { id: requester.id }, data: { name: c.text } });
        } else {
          await prisma.ticket.update({ where: { id: ticket.id }, data: { [c.kind]: c.text } });
        }
      }
      await index(ticket.id, other.id);
      assertSameVectors(await vectors(ticket.id), await rebuilt(ticket.id));
      assertSameVectors(await vectors(other.id), await rebuilt(other.id));
    }),
    {
      numRuns: Number(process.env.FUZZ_RUNS ?? 100) / 2,
      // Found by this property: "~0" alone is a file path to the parser, but
      // after another reply's line break a blank and a number.
      examples: [[[{ kind: "reply", body: "~0", internal: false }, { kind: "index" }, { kind: "reply", body: "", internal: false }], ""]],
    },
  );
});

test("the index finds each kind of text where it belongs, on a long thread too", async () => {
  const replies = Array.from({ length: 300 }, (_, i) => ({ body: `Reply ${i}: still looking at the toner, see log line ${i}`, internal: i % 10 === 0 }));
  replies.push({ body: "The zephyrine cartridge fixed it", internal: false }, { body: "Quokkalicious refund approved", internal: true });
  const ticketId = await ticketWith(replies);
  assert.equal(await matches(ticketId, "public", "zephyrine"), true, "the newest public reply");
  assert.equal(await matches(ticketId, "public", '"zephyrine cartridge"'), true, "a phrase in it");
  assert.equal(await matches(ticketId, "public", '"still looking"'), true, "a phrase in an old reply");
  assert.equal(await matches(ticketId, "public", `"printer ${ticketNo + 1} is on fire"`), false, "no other ticket's title");
  assert.equal(await matches(ticketId, "public", `"printer ${ticketNo} is on fire"`), true, "the title, as a phrase");
  assert.equal(await matches(ticketId, "public", '"jane requester"'), true, "the requester, as a phrase");
  assert.equal(await matches(ticketId, "public", "quokkalicious"), false, "never an internal note in public");
  assert.equal(await matches(ticketId, "internal", "quokkalicious"), true, "the note in internal");
  assertSameVectors(await vectors(ticketId), await rebuilt(ticketId));
});

test("vectors stay under a tsvector's size limit: a reply past 600,000 bytes rebuilds from the newest text", async () => {
  // 5 replies of 140,000 bytes of distinct words: the fifth takes the
  // public comments past 600,000 bytes, which rebuilds from the newest
  // 200,000 characters (as the first migration's rebuild always did).
  const distinct = (tag: string) => Array.from({ length: 25_000 }, (_, i) => `${tag}w${i.toString(36)}`).join(" ").slice(0, 140_000);
  const ticketId = await ticketWith([]);
  const bytes = async () => (await prisma.$queryRaw<{ c: number; i: number }[]>`SELECT "commentBytes" AS c, "internalBytes" AS i FROM "TicketSearch" WHERE "ticketId" = ${ticketId}`)[0]!;
  for (const tag of ["aa", "bb"]) {
    await reply(ticketId, distinct(tag));
    await index(ticketId);
  }
  // Two at a time too.
  await reply(ticketId, distinct("cc"));
  await reply(ticketId, distinct("dd"));
  await index(ticketId);
  assert.equal((await bytes()).c, 4 * 140_001, "four replies added without a rebuild");
  assert.equal(await matches(ticketId, "public", "aaw0"), true, "the oldest is still in");
  await reply(ticketId, `${distinct("ee")} zephyrine`);
  await index(ticketId);
  const after = await bytes();
  // The newest reply whole (140,010 characters and its line break), then the
  // newest 59,989 of the one before and its line break: 200,000 characters.
  assert.equal(after.c, 200_001, "rebuilt from the newest 200,000 characters");
  assert.equal(await matches(ticketId, "public", "zephyrine"), true, "the newest reply is found");
  assert.equal(await matches(ticketId, "public", "aaw0"), false, "the oldest text gave way");
  assertSameVectors(await vectors(ticketId), await rebuilt(ticketId));
});

test("an edited, moved or removed comment rebuilds what it touched", async () => {
  const a = await ticketWith([{ body: "zephyrine one", internal: false }, { body: "quokka note", internal: true }]);
  const b = await ticketWith([{ body: "unrelated", internal: false }]);
  const [first] = await prisma.comment.findMany({ where: { ticketId: a, internal: false } });
  await prisma.comment.update({ where: { id: first!.id }, data: { body: "wombat one" } });
  assert.equal(await matches(a, "public", "zephyrine"), false);
  assert.equal(await matches(a, "public", "wombat"), true);
  await prisma.comment.update({ where: { id: first!.id }, data: { ticketId: b } });
  assert.equal(await matches(a, "public", "wombat"), false);
  assert.equal(await matches(b, "public", "wombat"), true);
  const note = await prisma.comment.findFirstOrThrow({ where: { ticketId: a, internal: true } });
  await prisma.comment.delete({ where: { id: note.id } });
  assert.equal(await matches(a, "internal", "quokka"), false);
  assertSameVectors(await vectors(a), await rebuilt(a));
  assertSameVectors(await vectors(b), await rebuilt(b));
  // A new reply after all that still lands in front of the right vectors.
  await reply(b, "numbat");
  assert.equal(await matches(b, "public", "numbat"), false, "not before the processor indexes it");
  await index(b);
  assert.equal(await matches(b, "public", "numbat"), true);
  assertSameVectors(await vectors(b), await rebuilt(b));
});

test("a rebuild between a reply and its indexing takes the reply in, and the processor then adds it no second time", async () => {
  const ticketId = await ticketWith([{ body: "first words", internal: false }]);
  await reply(ticketId, "zephyrine pending", false);
  await reply(ticketId, "quokka pending", true);
  // Anything that rebuilds (an edit of a comment) while the two wait for the processor.
  const [first] = await prisma.comment.findMany({ where: { ticketId, body: "first words" } });
  await prisma.comment.update({ where: { id: first!.id }, data: { body: "wombat words" } });
  assert.equal(await matches(ticketId, "public", "zephyrine"), true, "the rebuild read the pending reply");
  const before = await vectors(ticketId);
  await index(ticketId);
  await index(ticketId);
  assert.deepEqual(await vectors(ticketId), before, "nothing added twice");
  assertSameVectors(await vectors(ticketId), await rebuilt(ticketId));
});
