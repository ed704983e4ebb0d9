/**
 * A ticket's search vectors as text, and their comparison with a rebuild, for
 * the tests of the search index (src/server/tickets/search-index.test.ts on
 * PGlite, tests/integration/search-index-concurrency.test.ts on PostgreSQL).
 */
import assert from "node:assert/strict";
import type { PrismaClient } from "../../src/generated/prisma/client";

export type Vectors = { public: string; internal: string; comments: string };

export async function vectors(prisma: PrismaClient, ticketId: string): Promise<Vectors> {
  const [row] = await prisma.$queryRaw<Vectors[]>`
    SELECT "public"::text AS "public", "internal"::text AS "internal", "comments"::text AS "comments"
    FROM "TicketSearch" WHERE "ticketId" = ${ticketId}`;
  assert.ok(row, "every ticket has an index row");
  return row;
}

/**
 * Each lexeme of a vector with at most its first 255 positions: PostgreSQL's
 * to_tsvector keeps 255 positions of a word, concatenation (`||`) 256, so a
 * word seen more than 255 times may keep one more occurrence (its 256th
 * newest) in a vector built one reply at a time. Nothing else may differ.
 */
function capped(vector: string): string[] {
  return [...vector.matchAll(/'(?:[^']|'')*'(?::[0-9A-D,]+)?/g)].map(([entry]) => {
    const colon = entry.lastIndexOf("':");
    return colon < 0 ? entry : `${entry.slice(0, colon + 2)}${entry.slice(colon + 2).split(",").slice(0, 255).join(",")}`;
  });
}

/** Equal vectors, or the first lexeme where they differ (a whole vector is too long to read in a failure). */
export function assertSameVectors(actual: Vectors, expected: Vectors): void {
  for (const column of ["public", "internal", "comments"] as const) {
    if (actual[column] === expected[column]) continue;
    const a = capped(actual[column]);
    const e = capped(expected[column]);
    const i = a.findIndex((lexeme, k) => lexeme !== e[k]);
    if (i < 0 && a.length === e.length) continue;
    const show = (lexeme = "(none)") => (lexeme.length > 120 ? `${lexeme.slice(0, 40)} … ${lexeme.slice(-60)} (${lexeme.split(",").length} positions)` : lexeme);
    assert.fail(`${column} differs from a rebuild at lexeme ${i} of ${e.length}: ${show(a[i])} instead of ${show(e[i])}`);
  }
}

/** The vectors a rebuild from the ticket and all of its comments gives (tandem_search_refresh writes them). */
export async function rebuilt(prisma: PrismaClient, ticketId: string): Promise<Vectors> {
  await prisma.$executeRaw`SELECT tandem_search_refresh(${ticketId})`;
  return vectors(prisma, ticketId);
}
