import "server-only";
import type { AnyTicketEvent } from "../../shared/realtime";
import { Prisma } from "../../generated/prisma/client";
import { db } from "../db";
import { AppError } from "../errors";
import { type Actor, type Audience, audienceOf } from "../policy";
import { loadTicketFor } from "../tickets/load-ticket";
import { fromStoredRow, type StoredEventRow } from "./stored-event";
import { AUDIENCE_CHANGED_MESSAGE, lastSeqFor, MAX_REPLAY, viewEvent } from "./view-event";

type EventRow = Omit<StoredEventRow, "actor"> & { actorId: string; actorName: string };

/** What both reads select: the stored event and its actor's id and name. */
const EVENT_ROWS = Prisma.sql`SELECT e."ticketId", e."seq", e."publicSeq", e."type", e."payload", e."payloadVersion", e."createdAt",
           u."id" AS "actorId", u."name" AS "actorName"
    FROM "TicketEvent" e JOIN "User" u ON u."id" = e."actorId"`;

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
  /** The numbering `afterSeq` is in, when the caller knows it (the ticket page does): another one is AUDIENCE_CHANGED. */
  numbering?: Audience,
): Promise<{ seq: number; events: AnyTicketEvent[]; truncated: boolean }> {
  const ticket = await loadTicketFor(actor, ticketId);
  const audience = audienceOf(actor);
  if (numbering !== undefined && numbering !== audience) throw new AppError("AUDIENCE_CHANGED", AUDIENCE_CHANGED_MESSAGE);
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
  const rows = await db().$queryRaw<EventRow[]>`
    ${EVENT_ROWS}
    WHERE e."ticketId" = ${ticketId} AND ${
      staff
        ? Prisma.sql`e."seq" > ${afterSeq}`
        : // publicSeq is null exactly for internal events; NOT internal says so twice.
          Prisma.sql`e."publicSeq" > ${afterSeq} AND NOT e."internal"`
    }
    ORDER BY ${staff ? Prisma.sql`e."seq"` : Prisma.sql`e."publicSeq"`}
    LIMIT ${MAX_REPLAY + 1}`;
  const events = rows.slice(0, MAX_REPLAY).map((r) => toEvent(r, audience));
  return { seq: last, events, truncated: rows.length > MAX_REPLAY };
}

/**
 * A ticket's newest `limit` events, oldest first, as `actor` may see them
 * and in `actor`'s numbering, and the seq they reach: the ticket page's
 * timeline, which keeps the newest MAX_TIMELINE. Read from the end in one
 * statement, where the page used to page through every event from the first
 * (ten pages of 500 at most) to keep the tail: 70-75 ms per page of 500 on
 * the embedded database, about 40 ms on PostgreSQL, for a ticket of 1,000
 * replies (bench/long-thread.ts).
 */
export async function listLatestTicketEvents(actor: Actor, ticketId: string, limit: number): Promise<{ seq: number; events: AnyTicketEvent[] }> {
  const ticket = await loadTicketFor(actor, ticketId);
  const audience = audienceOf(actor);
  const last = lastSeqFor(ticket, audience);
  if (last === 0) return { seq: 0, events: [] };
  const staff = audience === "staff";
  const rows = await db().$queryRaw<EventRow[]>`
    ${EVENT_ROWS}
    WHERE e."ticketId" = ${ticketId} AND ${staff ? Prisma.sql`TRUE` : Prisma.sql`e."publicSeq" IS NOT NULL AND NOT e."internal"`}
    ORDER BY ${staff ? Prisma.sql`e."seq"` : Prisma.sql`e."publicSeq"`} DESC
    LIMIT ${limit}`;
  const events = rows.reverse().map((r) => toEvent(r, audience));
  // An event committed after the ticket was read may be among them.
  return { seq: Math.max(last, events.at(-1)?.seq ?? 0), events };
}

function toEvent(r: EventRow, audience: ReturnType<typeof audienceOf>): AnyTicketEvent {
  return viewEvent<AnyTicketEvent>(fromStoredRow({ ...r, createdAt: new Date(r.createdAt), actor: { id: r.actorId, name: r.actorName } }), audience);
}
