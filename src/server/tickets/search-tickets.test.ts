import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { indexAsTheProcessorDoes, insertReply } from "../../../tests/helpers/reply-rows";
import type { PrismaClient } from "../../generated/prisma/client";
import type { SessionUser } from "../../shared/dto";
import { ZListTickets } from "../../shared/schemas/tickets";
import { prismaSql } from "../db/sql";
import { startEngine } from "../engine/start-engine";
import { runtime } from "../runtime";
import { waitForSearchIndex } from "../search/index-lag";
import { createSearchProcessor } from "../search/search-processor";
import { parseSearch, searchTickets, toSegments } from "./search-tickets";

// The SQL of search-tickets.ts against the real migrations on an in-memory
// PGlite (the HTTP contract is tests/integration/search.test.ts).
let database: Awaited<ReturnType<typeof openMemoryDb>>;
let prisma: PrismaClient;
let agent: SessionUser;
let alice: SessionUser;

before(async () => {
  database = await openMemoryDb();
  prisma = database.prisma;
  runtime().prisma = prisma;
  const user = (name: string, role: "AGENT" | "REQUESTER") =>
    prisma.user.create({ data: { name, email: `${name.toLowerCase()}@example.com`, passwordHash: "x", role } });
  const a = await user("Agent", "AGENT");
  const b = await user("Alice", "REQUESTER");
  agent = { id: a.id, role: "AGENT", name: a.name, email: a.email } as SessionUser;
  alice = { id: b.id, role: "REQUESTER", name: b.name, email: b.email } as SessionUser;
});

after(async () => {
  runtime().prisma = undefined;
  await database.close();
});

const search = (actor: SessionUser, q: string, extra: Record<string, string> = {}) => searchTickets(actor, { ...ZListTickets.parse({ q, ...extra }), q });

test("parseSearch: words, numbers, websearch syntax", () => {
  assert.deepEqual(parseSearch("Passw reset").words, ["passw", "reset"]);
  assert.deepEqual(parseSearch('"exact phrase"').words, []);
  assert.deepEqual(parseSearch("printer -toner").words, []);
  assert.equal(parseSearch("#42").number, 42);
  assert.equal(parseSearch("#42").numberOnly, true);
  assert.equal(parseSearch("42").numberOnly, false);
});

test("toSegments turns highlight boundaries into segments", () => {
  assert.deepEqual(toSegments("a \u0001b\u0002 c"), [
    { text: "a ", hit: false },
    { text: "b", hit: true },
    { text: " c", hit: false },
  ]);
});

test("comments, prefixes, typos, notes, ranking", async () => {
  const inTitle = await prisma.ticket.create({ data: { title: "Zephyrine printer", description: "It jams.", requesterId: alice.id } });
  const inComment = await prisma.ticket.create({ data: { title: "Other thing", description: "Nothing here.", requesterId: alice.id } });
  await insertReply(prisma, { ticketId: inComment.id, author: agent, body: "Have you tried the zephyrine reset procedure?" });
  await insertReply(prisma, { ticketId: inComment.id, author: agent, body: "Secret quokkalicious plan", internal: true });
  await indexAsTheProcessorDoes(prisma, prismaSql(prisma), [inComment.id]);

  const ids = async (actor: SessionUser, q: string) => (await search(actor, q)).items.map((t) => t.id);
  assert.deepEqual(await ids(agent, "zephyrine"), [inTitle.id, inComment.id], "title hit above comment hit");
  assert.deepEqual(await ids(agent, "zephyr"), [inTitle.id, inComment.id], "prefix");
  assert.deepEqual(await ids(agent, "zephyrene"), [inTitle.id, inComment.id], "one-letter typo");
  assert.deepEqual(await ids(agent, "quokkalicious"), [inComment.id], "staff find notes");
  assert.deepEqual(await ids(alice, "quokkalicious"), [], "requesters do not");
  assert.deepEqual(await ids(alice, "quokkalicous"), [], "not by a typo either");
  const hit = (await search(agent, "zephyrine")).items.find((t) => t.id === inComment.id)!;
  assert.equal(hit.search?.field, "comment");
  assert.ok(hit.search?.snippet.some((s) => s.hit && /zephyrine/i.test(s.text)), JSON.stringify(hit.search));
  assert.deepEqual(await ids(agent, `#${inComment.number}`), [inComment.id]);
  assert.deepEqual(new Set(await ids(agent, "alice")), new Set([inTitle.id, inComment.id]), "requester name");
  assert.deepEqual(new Set(await ids(agent, "alice@example.com")), new Set([inTitle.id, inComment.id]), "requester email");
  const page1 = await search(agent, "zephyrine", { limit: "1" });
  assert.equal(page1.items.length, 1);
  const page2 = await search(agent, "zephyrine", { limit: "1", cursor: page1.nextCursor! });
  assert.deepEqual([...page1.items, ...page2.items].map((t) => t.id), [inTitle.id, inComment.id]);
  assert.equal(page2.nextCursor, null);
});

test("a search finds a reply committed before it began: it waits for the search processor", async () => {
  const sql = prismaSql(prisma);
  const ticket = await prisma.ticket.create({ data: { title: "Scanner", description: "Slow.", requesterId: alice.id } });
  // No processor running: the reply stays out of the index, and the search
  // answers from the index as it is once its wait is over.
  await insertReply(prisma, { ticketId: ticket.id, author: agent, body: "The wombatrix driver is out of date" });
  assert.equal(await waitForSearchIndex(sql, { maxMs: 50, everyMs: 10 }), false, "the index is behind, and the wait says so");
  assert.deepEqual((await search(agent, "wombatrix")).items, []);

  // The processor, as server.ts runs it on the embedded database: a reply
  // wakes it, and a search sent at once finds the reply.
  const engine = await startEngine({ prisma, processors: [createSearchProcessor({ prisma })], pollMs: 60_000, log: () => undefined });
  try {
    engine.wake();
    assert.deepEqual((await search(agent, "wombatrix")).items.map((t) => t.id), [ticket.id], "what was pending");
    for (let i = 0; i < 5; i++) {
      const body = `Reply ${i}: numbatite${i} helped`;
      await insertReply(prisma, { ticketId: ticket.id, author: agent, body });
      engine.wake();
      // Sent at once: only the search's own wait for the index can find it.
      assert.deepEqual((await search(agent, `numbatite${i}`)).items.map((t) => t.id), [ticket.id], body);
    }
    assert.deepEqual((await search(alice, "numbatite3")).items.map((t) => t.id), [ticket.id], "the requester too");
  } finally {
    await engine.close();
  }
});

test("a date cursor not made by the server is a VALIDATION error, and the server's own still pages", async () => {
  const cursor = (v: string) => Buffer.from(JSON.stringify({ v, id: "c".repeat(25) })).toString("base64url");
  // Date.parse takes each of these; PostgreSQL's ::timestamp cast does not (it was a 500).
  for (const v of ["2020", "2020-01", "0", "1", "Jan 2020", "2020-01-01T00:00:00Z", "2020-01-01 00:00:00"]) {
    for (const sort of ["updated_desc", "created_asc"]) {
      await assert.rejects(search(agent, "zephyrine", { sort, cursor: cursor(v) }), (e: Error & { code?: string }) => e.code === "VALIDATION", `${sort} ${v}`);
    }
  }
  const page1 = await search(agent, "zephyrine", { sort: "updated_desc", limit: "1" });
  const page2 = await search(agent, "zephyrine", { sort: "updated_desc", limit: "1", cursor: page1.nextCursor! });
  assert.equal(page2.items.length, 1);
  assert.notEqual(page2.items[0]!.id, page1.items[0]!.id);
});

test("relevance pages walk every hit when many tie on rank, for staff and requesters", async () => {
  const made: string[] = [];
  for (let i = 0; i < 32; i++) {
    const t = await prisma.ticket.create({ data: { title: `Case ${i} needs help`, description: "Please look at my case.", requesterId: alice.id } });
    made.push(t.id);
  }
  await indexAsTheProcessorDoes(prisma, prismaSql(prisma), made);
  for (const actor of [agent, alice]) {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await search(actor, "case", { limit: "10", ...(cursor ? { cursor } : {}) });
      seen.push(...res.items.map((t) => t.id));
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    assert.equal(new Set(seen).size, seen.length, "no ticket twice");
    for (const id of made) assert.ok(seen.includes(id), `${actor.role}: every tied hit is reached (${seen.length} seen)`);
  }
});

test("staff find a ticket by a tag typed whole (as written or as the tag box writes it); requesters do not", async () => {
  const tagged = await prisma.ticket.create({ data: { title: "Monitor arm broke", description: "Desk 4.", requesterId: alice.id } });
  const tag = await prisma.tag.create({ data: { name: "vip-customer" } });
  await prisma.ticketTag.create({ data: { ticketId: tagged.id, tagId: tag.id } });
  await indexAsTheProcessorDoes(prisma, prismaSql(prisma), [tagged.id]);
  for (const q of ["vip-customer", "VIP customer"]) {
    const hits = (await search(agent, q)).items;
    const hit = hits.find((t) => t.id === tagged.id);
    assert.ok(hit, `${q}: ${JSON.stringify(hits.map((t) => t.title))}`);
    assert.equal(hit.search?.field, "tag");
    assert.deepEqual(hit.search?.snippet, [{ text: "vip-customer", hit: true }]);
  }
  assert.equal((await search(agent, "vip-customers")).items.some((t) => t.id === tagged.id), false, "a tag is found whole, not by a longer word");
  assert.equal((await search(alice, "vip-customer")).items.some((t) => t.id === tagged.id), false, "tags are staff-only");
});
