import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { PGlite } from "@electric-sql/pglite";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { emptyPglite } from "../../../tests/helpers/memory-db";
import { migrations } from "../../../tests/helpers/migrations";
import { indexAsTheProcessorDoes, insertReply } from "../../../tests/helpers/reply-rows";
import { assertSameVectors, rebuilt, vectors } from "../../../tests/helpers/search-vectors";
import { PrismaClient } from "../../generated/prisma/client";
import { prismaSql } from "../db/sql";
import { oldTicket } from "../../../tests/helpers/migrations";

// Upgrading a database whose replies the old trigger indexed to the search
// processor (prisma/migrations/20261206010000_search_processor): the data is
// written with every migration before it applied, then the migration runs.
const PROCESSOR_MIGRATION = "20261206010000_search_processor";

let client: PGlite | undefined;
let prisma: PrismaClient | undefined;

after(async () => {
  await prisma?.$disconnect();
  await client?.close();
});

test("upgrading to the search processor: old replies stay found, each index covers its events, the processor starts at the head and adds only what is new", async () => {
  client = await emptyPglite();
  const all = migrations();
  const upgrade = all.find((m) => m.name === PROCESSOR_MIGRATION);
  assert.ok(upgrade);
  for (const m of all.filter((m) => m.name < PROCESSOR_MIGRATION)) await client.exec(m.sql);
  prisma = new PrismaClient({ adapter: new PrismaPGlite(client) as unknown as SqlMigrationAwareDriverAdapterFactory });
  const sql = prismaSql(prisma);

  // As the code before the migration wrote them: each reply indexed by the
  // trigger in the statement that added it.
  const requester = await prisma.user.create({ data: { name: "Jane Requester", email: "jane@example.com", passwordHash: "x", role: "REQUESTER" } });
  const a = await prisma.user.create({ data: { name: "Agent", email: "agent@example.com", passwordHash: "x", role: "AGENT" } });
  const agent = { id: a.id, name: a.name, role: "AGENT" as const };
  const ticket = await oldTicket(prisma, "Printer on fire", "Smoke.", requester.id);
  const quiet = await oldTicket(prisma, "No replies yet", "", requester.id);
  await insertReply(prisma, { ticketId: ticket.id, author: agent, body: "Try the zephyrine cartridge" });
  await insertReply(prisma, { ticketId: ticket.id, author: agent, body: "Quokkalicious refund noted", internal: true });
  const last = await insertReply(prisma, { ticketId: ticket.id, author: agent, body: "Still smoking?" });
  const before = await vectors(prisma, ticket.id);
  const [head] = await prisma.$queryRaw<{ txId: bigint; position: bigint }[]>`
    SELECT "txId", "position" FROM "TicketEvent" ORDER BY "txId" DESC, "position" DESC LIMIT 1`;

  await client.exec(upgrade.sql);

  const covered = await prisma.$queryRaw<{ ticketId: string; seq: number }[]>`SELECT "ticketId", "seq" FROM "TicketSearch" ORDER BY "seq"`;
  assert.deepEqual(
    covered.map((r) => [r.ticketId, r.seq]),
    [
      [quiet.id, 0],
      [ticket.id, last.seq],
    ],
    "each index covers its ticket's events so far",
  );
  const [cursor] = await prisma.$queryRaw<{ txId: bigint; position: bigint }[]>`SELECT "txId", "position" FROM "ProcessorCursor" WHERE "name" = 'search'`;
  assert.deepEqual(cursor, head, "the processor starts at the stream's head");
  assert.deepEqual(await vectors(prisma, ticket.id), before, "the migration leaves the vectors as the trigger made them");

  // The processor handed the old replies (a replay from before its cursor): nothing added.
  await indexAsTheProcessorDoes(prisma, sql, [ticket.id, quiet.id]);
  assert.deepEqual(await vectors(prisma, ticket.id), before, "old replies are not added twice");

  // A new reply: no trigger indexes it any more; the processor does.
  await insertReply(prisma, { ticketId: ticket.id, author: agent, body: "The wombatrix fan fixed it" });
  const found = async (q: string, column: "public" | "internal") =>
    (
      await prisma!.$queryRawUnsafe<unknown[]>(
        `SELECT 1 FROM "TicketSearch" WHERE "ticketId" = $1 AND "${column}" @@ websearch_to_tsquery('tandem_search', $2)`,
        ticket.id,
        q,
      )
    ).length === 1;
  assert.equal(await found("wombatrix", "public"), false, "not indexed in the statement that added it");
  await indexAsTheProcessorDoes(prisma, sql, [ticket.id]);
  assert.equal(await found("wombatrix", "public"), true);
  assert.equal(await found("zephyrine", "public"), true, "an old reply is still found");
  assert.equal(await found("quokkalicious", "internal"), true, "an old note is still found by staff");
  assert.equal(await found("quokkalicious", "public"), false, "and never in public");
  assertSameVectors(await vectors(prisma, ticket.id), await rebuilt(prisma, ticket.id));
});
