/**
 * The search index under concurrency, on a real PostgreSQL (PGlite has one
 * connection, so src/server/tickets/search-index.test.ts cannot show this):
 * replies committing on several connections while two indexers run at once
 * (a lease handed over while the old holder's statement still runs), the
 * requester is renamed, titles
 * change and an old comment is edited (a rebuild). Nothing may fail (no
 * deadlock), no reply may be missing, and the vectors must end as a rebuild
 * from the ticket and all of its comments makes them.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../src/generated/prisma/client";
import { prismaSql } from "../../src/server/db/sql";
import { migratePostgres } from "../helpers/migrations";
import { indexAsTheProcessorDoes, insertReply } from "../helpers/reply-rows";
import { assertSameVectors, rebuilt, vectors } from "../helpers/search-vectors";
import { type Postgres, startPostgres } from "../helpers/services";

let postgres: Postgres;
let prisma: PrismaClient;

before(async () => {
  postgres = await startPostgres();
  const url = await postgres.createDatabase();
  await migratePostgres(url);
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 16 }) });
});

after(async () => {
  await prisma?.$disconnect();
  await postgres?.stop();
});

const WORDS = ["printer", "toner", "network", "password", "invoice", "refund", "laptop", "screen", "update", "driver"];

test("replies, two indexers at once, renames, new titles and an edit: no failure, no reply missing, vectors equal a rebuild", async () => {
  const requester = await prisma.user.create({ data: { name: "Rita Requester", email: "rita@example.com", passwordHash: "x", role: "REQUESTER" } });
  const a = await prisma.user.create({ data: { name: "Agent", email: "agent@example.com", passwordHash: "x", role: "AGENT" } });
  const agent = { id: a.id, name: a.name, role: "AGENT" as const };
  const tickets: string[] = [];
  for (let i = 0; i < 4; i++) {
    tickets.push((await prisma.ticket.create({ data: { title: `Ticket ${i}`, description: "It broke.", requesterId: requester.id } })).id);
  }
  const first = await insertReply(prisma, { ticketId: tickets[0]!, author: agent, body: "The first reply, edited later" });
  const sql = prismaSql(prisma);
  const errors: unknown[] = [];
  const until = Date.now() + 4000;
  const loop = async (step: (n: number) => Promise<unknown>) => {
    for (let n = 0; Date.now() < until; n++) {
      try {
        await step(n);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  // Each reply carries a word of its own, to find it by at the end.
  const written: { ticketId: string; token: string; internal: boolean }[] = [];
  const writer = (w: number) =>
    loop(async (n) => {
      const ticketId = tickets[(w + n) % tickets.length]!;
      const token = `zq${w}x${n}`;
      const internal = (w + n) % 5 === 0;
      await insertReply(prisma, { ticketId, author: agent, body: `${WORDS[n % WORDS.length]} ${token} ${WORDS[(n * 7) % WORDS.length]}`, internal });
      written.push({ ticketId, token, internal });
    });
  await Promise.all([
    ...Array.from({ length: 6 }, (_, w) => writer(w)),
    // Two indexers: the processor's lease can change hands while the old
    // holder's statement runs. Each hands over every reply so far (a batch
    // handed over again), the tickets in opposite orders.
    loop(() => indexAsTheProcessorDoes(prisma!, sql, [...tickets].reverse())),
    loop(() => indexAsTheProcessorDoes(prisma!, sql, tickets)),
    loop((n) => prisma.user.update({ where: { id: requester.id }, data: { name: `Rita ${WORDS[n % WORDS.length]}` } })),
    loop((n) => prisma.ticket.update({ where: { id: tickets[n % tickets.length]! }, data: { title: `Ticket about the ${WORDS[n % WORDS.length]}` } })),
    loop((n) => prisma.comment.update({ where: { id: first.id }, data: { body: `The first reply, edited ${n} times: ${WORDS[n % WORDS.length]}` } })),
  ]);
  assert.deepEqual(errors.map(String), [], "nothing failed (no deadlock)");
  assert.ok(written.length > 100, `${written.length} replies written`);

  await indexAsTheProcessorDoes(prisma, sql, tickets);
  const hits = await prisma.$queryRaw<{ ticketId: string; token: string; public: boolean; internal: boolean }[]>`
    SELECT w."ticketId", w."token",
           s."public" @@ to_tsquery('simple', w."token") AS "public",
           s."internal" @@ to_tsquery('simple', w."token") AS "internal"
    FROM unnest(${written.map((r) => r.ticketId)}::text[], ${written.map((r) => r.token)}::text[]) AS w("ticketId", "token")
    JOIN "TicketSearch" s ON s."ticketId" = w."ticketId"`;
  const found = new Map(hits.map((h) => [`${h.ticketId} ${h.token}`, h]));
  for (const r of written) {
    const hit = found.get(`${r.ticketId} ${r.token}`);
    assert.ok(hit, `${r.token} has an index row`);
    assert.deepEqual({ public: hit.public, internal: hit.internal }, { public: !r.internal, internal: r.internal }, `${r.token} where it belongs`);
  }
  for (const ticketId of tickets) {
    const kept = await vectors(prisma, ticketId);
    assertSameVectors(kept, await rebuilt(prisma, ticketId));
  }
});
