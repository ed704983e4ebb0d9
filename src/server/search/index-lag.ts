import "server-only";
import { setTimeout as sleep } from "node:timers/promises";
import { statement, type Sql } from "../db/sql";
import { SEARCH_PROCESSOR } from "./search-processor";

/**
 * Whether a committed reply is not in the search index yet: a comment event
 * after the search processor's stored cursor whose ticket's vectors do not
 * cover its seq. The stored cursor lags the processor by about a second
 * (../engine/cursor-store.ts), so this reads at most the last second's or so
 * events, by the stream's index, and the per-ticket seq tells which of those
 * are indexed already. No stored cursor (never, after the migration) reads as
 * caught up rather than as the whole stream.
 */
const BEHIND = statement(
  "search_index_behind",
  // The cursor as two scalar subqueries: so the row comparison is the index
  // scan's condition (as a joined row, the planner read the whole stream).
  `SELECT EXISTS (
     SELECT 1 FROM "TicketEvent" e JOIN "TicketSearch" s ON s."ticketId" = e."ticketId"
     WHERE (e."txId", e."position") > (
         (SELECT "txId" FROM "ProcessorCursor" WHERE "name" = $1),
         (SELECT "position" FROM "ProcessorCursor" WHERE "name" = $1))
       AND e."type" = 'comment:added' AND e."seq" > s."seq"
   ) AS "behind"`,
);

/** How long a search waits for the index at most, and how often it looks meanwhile. */
export const INDEX_WAIT = { maxMs: 1000, everyMs: 10 };

/**
 * Wait until every reply committed before this call is in the search index,
 * for at most `maxMs`; true when it is. A search calls this first, so whoever
 * just sent a reply (or a script that posts then searches) finds it: the
 * index is written after the commit (./search-processor.ts), usually within
 * milliseconds. One statement when nothing is pending. When the processor
 * cannot keep up, or its process is gone and no other has taken its lease
 * yet, the search answers after `maxMs` from the index as it is, rather than
 * not at all.
 */
export async function waitForSearchIndex(sql: Sql, wait = INDEX_WAIT): Promise<boolean> {
  const deadline = performance.now() + wait.maxMs;
  for (;;) {
    const [row] = await sql.query<{ behind: boolean }>(BEHIND, [SEARCH_PROCESSOR]);
    if (!row?.behind) return true;
    if (performance.now() >= deadline) return false;
    await sleep(wait.everyMs);
  }
}
