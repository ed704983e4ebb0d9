import "server-only";
import type { AnyTicketEvent } from "../../shared/realtime";
import { Prisma } from "../../generated/prisma/client";
import { db } from "../db";
import { type Actor, audienceOf } from "../policy";
import { loadTicketFor } from "../tickets/load-ticket";
import { fromStoredRow, type StoredEventRow } from "./stored-event";
import { lastSeqFor, MAX_REPLAY, viewEvent } from "./view-event";

/**
 * A ticket's events after `afterSeq`, oldest first, as `actor` may see them
 * and numbered in `actor`'s numbering (staff: every event by `seq`;
 * requesters: public events only, by `publicSeq`, so a page never has a gap
 * nor comes back empty because of an internal note). Used for the activity
 * timeline and to replay what a client missed while disconnected.
 */
export async function listTicketEvents(
  actor: Actor,
  ticketId: string,
  afterSeq = 0,
): Promise<{ seq: number; events: AnyTicketEvent[]; truncated: boolean }> {
  const ticket = await loadTicketFor(actor, ticketId);
  const audience = audienceOf(actor);
  const last = lastSeqFor(ticket, audience);
  // Nothing lies beyond the newest seq. Answering here also keeps a huge
  // afterSeq (`?after=99999999999`) out of the query, where it would overflow
  // Postgres' integer column.
  if (afterSeq >= last) return { seq: last, events: [], truncated: false };
  // Raw SQL: a page is up to 501 events, and Prisma's ORM took about three
  // times as long as the query itself to turn them into objects (about 25 ms
  // against 8 here), on top of compiling the query. The payloads are still
  // parsed and checked against their version's schema (fromStoredRow).
  const staff = audience === "staff";
  const rows = await db().$queryRaw<(Omit<StoredEventRow, "actor"> & { actorId: string; actorName: string })[]>`
    SELECT e."ticketId", e."seq", e."publicSeq", e."type", e."payload", e."payloadVersion", e."createdAt",
           u."id" AS "actorId", u."name" AS "actorName"
    FROM "TicketEvent" e JOIN "User" u ON u."id" = e."actorId"
    WHERE e."ticketId" = ${ticketId} AND ${
      staff
        ? Prisma.sql`e."seq" > ${afterSeq}`
        : // publicSeq is null exactly for internal events; NOT internal says so twice.
          Prisma.sql`e."publicSeq" > ${afterSeq} AND NOT e."internal"`
    }
    ORDER BY ${staff ? Prisma.sql`e."seq"` : Prisma.sql`e."publicSeq"`}
    LIMIT ${MAX_REPLAY + 1}`;
  const events = rows
    .slice(0, MAX_REPLAY)
    .map((r) => viewEvent<AnyTicketEvent>(fromStoredRow({ ...r, createdAt: new Date(r.createdAt), actor: { id: r.actorId, name: r.actorName } }), audience));
  return { seq: last, events, truncated: rows.length > MAX_REPLAY };
}
