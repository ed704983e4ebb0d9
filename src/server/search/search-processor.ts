import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import { prismaSql, statement, type Sql } from "../db/sql";
import type { Processor } from "../engine/processor";
import type { StreamEvent } from "../engine/stream";

/** The processor's name: its stored cursor's key (first stored by migration 20261206010000_search_processor) and its lease's name. Never rename it. */
export const SEARCH_PROCESSOR = "search";

/**
 * `tandem_search_index` (prisma/migrations/20261206010000_search_processor):
 * for each ticket, in id order, the replies its vectors do not cover yet are
 * put in front of them, and their words learnt for typo lookups.
 */
const INDEX_TICKETS = statement("search_index_tickets", `SELECT tandem_search_index($1::text[])::text AS "done"`);

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
    handle: (batch) => indexBatch(sql, batch),
  };
}

/** The tickets of the batch's replies and notes, indexed in one statement (nothing when there are none). */
export async function indexBatch(sql: Sql, batch: StreamEvent[]): Promise<void> {
  const tickets = new Set<string>();
  for (const e of batch) if (e.event?.type === "comment:added") tickets.add(e.event.ticketId);
  if (tickets.size > 0) await indexTickets(sql, [...tickets]);
}

/** Bring these tickets' vectors up to their newest reply (tests call it directly; the processor through indexBatch). */
export async function indexTickets(sql: Sql, ticketIds: string[]): Promise<void> {
  await sql.query(INDEX_TICKETS, [ticketIds]);
}
