import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import { prismaSql, statement, type Sql } from "../db/sql";
import { GATHER_MS, type Processor } from "../engine/processor";
import type { StreamEvent } from "../engine/stream";

/** The processor's name: its stored cursor's key (first stored by migration 20261206010000_search_processor) and its lease's name. Never rename it. */
export const SEARCH_PROCESSOR = "search";

/**
 * What the one statement below leaves: a ticket whose replies are still not
 * covered (no index row, or a vector that would pass 600 000 bytes) is
 * rebuilt from the ticket and all of its comments (tandem_search_refresh,
 * which locks the row before it reads them), in ticket id order. A ticket
 * whose replies were covered already (a batch handed over again, or a
 * rebuild that read them first) is left alone. Rare, so the rebuild's cost
 * does not matter here.
 */
const REBUILD_LEFT = statement(
  "search_rebuild_left",
  `SELECT tandem_search_refresh(x."ticketId")::text AS "done"
   FROM (SELECT r."ticketId", max(r."seq") AS "newest" FROM unnest($1::text[], $2::int[]) AS r("ticketId", "seq") GROUP BY r."ticketId") x
   WHERE NOT EXISTS (SELECT 1 FROM "TicketSearch" s WHERE s."ticketId" = x."ticketId" AND s."seq" >= x."newest")
   ORDER BY x."ticketId"`,
);

/**
 * The common case in one statement, from the replies the events carry: each
 * ticket's replies after the seq its vectors cover, parsed once and put in
 * front (newest first), the covered seq moved on, and the replies' words
 * learnt (all of them: a word learnt twice is a no-op). Measured on the
 * embedded database, one reply at a time (a slow hour): 2.0 ms, of which
 * 0.9 ms is what any statement of its own costs there (a PL/pgSQL function
 * reading the replies back from the database took 2.5 ms); the trigger it
 * replaced added 0.7 ms to the reply's own statement.
 *
 * Safe against a rebuild, a new title or another indexer at the same moment:
 * the new vectors are computed in the UPDATE from the row itself (its
 * covered seq picks the replies), and PostgreSQL computes them again from
 * the row as it is after any concurrent change committed (its re-check of
 * an updated row re-evaluates the subquery with the new row).
 * The rows are locked in ticket id order first (`locked`: the UPDATE only
 * reaches a row through it), the order a renamed requester's tickets and
 * REBUILD_LEFT take them in: the UPDATE alone locked them in the order it
 * scanned them, and two indexers, or an indexer and a rename, deadlocked
 * (tests/integration/search-index-concurrency.test.ts: three statements
 * refused as deadlocked in one CI run).
 * A ticket it does not update goes to REBUILD_LEFT (indexReplies).
 */
const INDEX_REPLIES = statement(
  "search_index_replies",
  `WITH locked AS MATERIALIZED (
     SELECT s."ticketId" FROM "TicketSearch" s WHERE s."ticketId" = ANY($1::text[]) ORDER BY s."ticketId" FOR UPDATE
   ), item AS MATERIALIZED (
     SELECT x."ticketId", x."seq", x."internal", left(x."body", 200000) AS "body",
            to_tsvector('tandem_search', left(x."body", 200000)) AS "parsed"
     FROM unnest($1::text[], $2::int[], $3::text[], $4::boolean[]) AS x("ticketId", "seq", "body", "internal")
   ), learnt AS (
     INSERT INTO "SearchTerm" ("term", "internal")
     SELECT DISTINCT w COLLATE "C", i."internal" FROM item i, unnest(tsvector_to_array(i."parsed")) AS w
     WHERE length(w) BETWEEN 3 AND 40
     ORDER BY 1, 2
     ON CONFLICT DO NOTHING
   )
   UPDATE "TicketSearch" s
   SET ("comments", "public", "internal", "commentBytes", "internalBytes", "seq") = (
     SELECT CASE WHEN n."pubBytes" = 0 THEN s."comments" ELSE n."pub" || s."comments" END,
            CASE WHEN n."pubBytes" = 0 THEN s."public" ELSE ts_filter(s."public", '{a,b,d}') || (n."pub" || s."comments") END,
            CASE WHEN n."intBytes" = 0 THEN s."internal" ELSE n."int" || s."internal" END,
            s."commentBytes" + n."pubBytes", s."internalBytes" + n."intBytes", n."newest"
     FROM (
       SELECT coalesce(tsvector_concat_agg(setweight(i."parsed", 'C') ORDER BY i."seq" DESC) FILTER (WHERE NOT i."internal"), '') AS "pub",
              coalesce(tsvector_concat_agg(i."parsed" ORDER BY i."seq" DESC) FILTER (WHERE i."internal"), '') AS "int",
              coalesce(sum(octet_length(i."body") + 1) FILTER (WHERE NOT i."internal"), 0) AS "pubBytes",
              coalesce(sum(octet_length(i."body") + 1) FILTER (WHERE i."internal"), 0) AS "intBytes",
              max(i."seq") AS "newest"
       FROM item i WHERE i."ticketId" = s."ticketId" AND i."seq" > s."seq"
     ) n
   )
   FROM locked l
   WHERE s."ticketId" = l."ticketId"
     AND EXISTS (SELECT 1 FROM item i WHERE i."ticketId" = s."ticketId" AND i."seq" > s."seq")
     AND s."commentBytes" + (SELECT coalesce(sum(octet_length(i."body") + 1), 0) FROM item i
                             WHERE i."ticketId" = s."ticketId" AND i."seq" > s."seq" AND NOT i."internal") <= 600000
     AND s."internalBytes" + (SELECT coalesce(sum(octet_length(i."body") + 1), 0) FROM item i
                              WHERE i."ticketId" = s."ticketId" AND i."seq" > s."seq" AND i."internal") <= 600000
   RETURNING s."ticketId"`,
);

/** A reply as its `comment:added` event carries it. */
export type IndexedReply = { ticketId: string; seq: number; body: string; internal: boolean };

/**
 * The search-index processor: a cluster-scope processor of the event stream
 * (one process at a time, from a stored cursor; see ../engine/processor.ts)
 * that indexes replies after they commit.
 *
 * Why not in the reply's own statement, as a trigger did until
 * 20261206010000: a reply holds its ticket's row lock until it commits, and
 * every other reply to that ticket waits for the lock. Indexing a reply in
 * that statement rewrote the ticket's vectors, which grow with the thread, so
 * every reply to a busy ticket waited for the one before it to be indexed
 * (bench/findings.md, tenth round: 15 % of the replies a second one busy
 * ticket took on PostgreSQL, 30 % on the embedded database). Here a batch of
 * replies to one ticket costs one rewrite of its vectors, and no writer waits
 * for it. Zammad and Chatwoot index in background jobs too, which their users
 * meet as "I just wrote it and search does not find it"; a search here waits
 * for this processor to catch up first (./index-lag.ts).
 *
 * Idempotent, as the stream's at-least-once delivery needs: each ticket's
 * index row records the seq its vectors cover, and only replies after it are
 * added, so a batch handed over again adds nothing. Titles, descriptions and
 * requesters' names are still indexed by their triggers, in the statement that
 * changes them: those statements are rare, and a new ticket is found at once.
 */
export function createSearchProcessor(deps: { prisma: PrismaClient; sql?: Sql }): Processor {
  const sql = deps.sql ?? prismaSql(deps.prisma);
  return {
    name: SEARCH_PROCESSOR,
    scope: "cluster",
    gatherMs: GATHER_MS,
    handle: (batch) => indexBatch(sql, batch),
  };
}

/** The batch's replies and notes, indexed (nothing when there are none). */
export async function indexBatch(sql: Sql, batch: StreamEvent[]): Promise<void> {
  const replies: IndexedReply[] = [];
  for (const { event } of batch) {
    if (event?.type !== "comment:added") continue;
    const { comment } = event.data;
    replies.push({ ticketId: event.ticketId, seq: event.seq, body: comment.body, internal: comment.internal });
  }
  await indexReplies(sql, replies);
}

/** Index these replies: one statement for the common case, a rebuild of the tickets it leaves. */
export async function indexReplies(sql: Sql, replies: IndexedReply[]): Promise<void> {
  if (replies.length === 0) return;
  const ticketIds = replies.map((r) => r.ticketId);
  const seqs = replies.map((r) => r.seq);
  const updated = await sql.query<{ ticketId: string }>(INDEX_REPLIES, [ticketIds, seqs, replies.map((r) => r.body), replies.map((r) => r.internal)]);
  const done = new Set(updated.map((r) => r.ticketId));
  const left = replies.filter((r) => !done.has(r.ticketId));
  if (left.length > 0) await sql.query(REBUILD_LEFT, [left.map((r) => r.ticketId), left.map((r) => r.seq)]);
}
