import "server-only";
import type { Role } from "../../shared/enums";
import { sql } from "../db";
import { statement } from "../db/sql";

/** Sessions per statement: a few milliseconds of rows to parse, then the event loop is free again. */
const BATCH = 2_000;

const LIVE_SESSIONS = statement(
  "live_sessions",
  `SELECT s."id", u."role"::text AS "role" FROM "Session" s JOIN "User" u ON u."id" = s."userId"
   WHERE s."id" = ANY($1::text[]) AND s."revokedAt" IS NULL
     AND s."expiresAt" > ($2::timestamptz AT TIME ZONE 'UTC') AND u."active"`,
);

/**
 * Of `sessionIds`, those still live (not revoked, not past their end, user
 * active), each with its user's current role. For the periodic re-check of
 * open sockets: one prepared statement per 2,000 sessions, whatever the
 * number of sockets.
 *
 * Not the Prisma ORM (as until 2026-12-06): an ORM call compiles its query
 * anew in WebAssembly, and with 500 ids in its `in` list it took 70–120 ms of
 * the main thread to compile and to map the rows; at 10,000 sockets the
 * re-check, every SESSION_RECHECK_SECONDS, held the event loop for about a
 * third of a second in such slices, delaying every comment being delivered
 * meanwhile (bench/findings.md, eleventh round).
 */
export async function findLiveSessions(sessionIds: string[]): Promise<Map<string, Role>> {
  const live = new Map<string, Role>();
  const now = new Date().toISOString();
  for (let i = 0; i < sessionIds.length; i += BATCH) {
    const rows = await sql().query<{ id: string; role: Role }>(LIVE_SESSIONS, [sessionIds.slice(i, i + BATCH), now]);
    for (const row of rows) live.set(row.id, row.role);
  }
  return live;
}
