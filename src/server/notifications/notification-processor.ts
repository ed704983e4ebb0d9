import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import type { Role } from "../../shared/enums";
import { DEFAULT_NOTIFICATION_SETTINGS } from "../../shared/notifications";
import { newRowId } from "../db/row-id";
import { prismaSql, statement, type Sql } from "../db/sql";
import { GATHER_MS, type Processor } from "../engine/processor";
import type { StreamEvent } from "../engine/stream";
import type { RecordedTicketEvent } from "../events/view-event";
import { isInternalEvent } from "../policy";
import type { UserEmitter } from "../runtime";
import { toNotificationDTO } from "../serializers";
import { mentionedStaff } from "./mentioned-staff";
import { settingsFromRow } from "./settings-row";
import { type Candidate, recipientsOf } from "./recipients";

/** The processor's name: its stored cursor's key and its lease's name. Never rename it (a new name starts at the head). */
export const NOTIFICATIONS_PROCESSOR = "notifications";

/**
 * The notifications processor: a cluster-scope processor of the event stream
 * (one process at a time, from a stored cursor; see ../engine/processor.ts),
 * so a notification is neither lost across restarts, deploys and failover,
 * nor written twice: delivery is at least once, and each row's unique key
 * (user, ticket, seq) makes a batch handed over again insert nothing new.
 *
 * Recipients come from the rule in ./recipients.ts, on the ticket and users
 * as they are now, read in one statement per batch of events. Only
 * rows actually inserted are announced (`notification:new` to the user's
 * room, through the adapter). A process that dies between the insert and
 * the emit announces nothing for those rows; clients re-read the list after
 * a reconnect, so they see them then.
 *
 * Its first run on a database positions its cursor at the stream's head
 * (run-processor.ts): installing it does not notify anyone of old history.
 */
/** `sql`: its statements prepared (src/server/db/sql.ts); by default Prisma raw queries on `prisma`. */
export function createNotificationProcessor(deps: { prisma: PrismaClient; sql?: Sql; emitToUser: UserEmitter }): Processor {
  return {
    name: NOTIFICATIONS_PROCESSOR,
    scope: "cluster",
    batchSize: 100,
    gatherMs: GATHER_MS,
    handle: (batch) => notifyBatch(deps, batch),
  };
}

/** Whether an event can notify anyone (the rest need no queries). */
function mayNotify(event: RecordedTicketEvent): boolean {
  switch (event.type) {
    case "ticket:created":
    case "comment:added":
      return true;
    case "ticket:updated":
      return Boolean(event.data.changes.assignee?.to);
    case "attachment:added":
      return false;
  }
}

/** A ticket as the rule and the announcement need it. */
type TicketRow = { id: string; number: number; title: string; requesterId: string; assigneeId: string | null };
type UserRow = { id: string; role: Role; active: boolean; mention: boolean | null; assigned: boolean | null; reply: boolean | null; newTicket: boolean | null };

/** The tickets, the new-ticket watchers and every candidate user with their switches. */
const CANDIDATES = statement(
  "notification_candidates",
  `WITH t AS (
     SELECT "id", "number", "title", "requesterId", "assigneeId" FROM "Ticket"
     WHERE "id" = ANY($1::text[])
   ), watchers AS (
     SELECT s."userId" FROM "NotificationSettings" s JOIN "User" u ON u."id" = s."userId"
     WHERE $2::boolean AND s."newTicket" AND u."active"
   ), ids AS (
     SELECT "requesterId" AS "id" FROM t
     UNION SELECT "assigneeId" FROM t WHERE "assigneeId" IS NOT NULL
     UNION SELECT unnest($3::text[])
     UNION SELECT "userId" FROM watchers
   )
   SELECT
     (SELECT COALESCE(json_agg(t), '[]'::json) FROM t) AS "tickets",
     (SELECT COALESCE(json_agg("userId"), '[]'::json) FROM watchers) AS "watchers",
     (SELECT COALESCE(json_agg(json_build_object(
               'id', u."id", 'role', u."role", 'active', u."active",
               'mention', s."mention", 'assigned', s."assigned", 'reply', s."reply", 'newTicket', s."newTicket")), '[]'::json)
      FROM "User" u LEFT JOIN "NotificationSettings" s ON s."userId" = u."id"
      WHERE u."id" IN (SELECT "id" FROM ids)) AS "users"`,
);

/**
 * ON CONFLICT DO NOTHING RETURNING: only the rows this call inserted come
 * back (an event handed over again inserts and announces nothing).
 * `createdAt` is the event's time, stored as Prisma stores DateTimes (UTC,
 * without zone).
 */
const INSERT_NOTIFICATIONS = statement(
  "notification_insert",
  `INSERT INTO "Notification" ("id", "userId", "kind", "ticketId", "seq", "actorId", "internal", "createdAt")
   SELECT r."id", r."userId", r."kind", r."ticketId", r."seq"::int, r."actorId", r."internal"::boolean, r."at"::timestamptz AT TIME ZONE 'UTC'
   FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
        AS r("id", "userId", "kind", "ticketId", "seq", "actorId", "internal", "at")
   ON CONFLICT DO NOTHING
   RETURNING "id", "userId", "kind", "ticketId", "seq"`,
);

/**
 * Two prepared statements for a batch (three with a mention): each Prisma ORM
 * call costs about a millisecond of query compilation on top of its round
 * trip, and this runs for every comment (src/server/db/sql.ts). The tickets, the new-ticket
 * watchers and every candidate user with their switches come back from one
 * statement; the rows are inserted by another.
 */
export async function notifyBatch(deps: { prisma: PrismaClient; sql?: Sql; emitToUser: UserEmitter }, batch: StreamEvent[]): Promise<void> {
  const { prisma } = deps;
  const sql = deps.sql ?? prismaSql(prisma);
  const events = batch.flatMap((e) => (e.event && mayNotify(e.event) ? [e.event] : []));
  if (events.length === 0) return;

  const staffByHandle = await mentionedStaff(prisma, events);
  const named = new Set<string>([...staffByHandle.values()].flat());
  for (const e of events) if (e.type === "ticket:updated" && e.data.changes.assignee?.to) named.add(e.data.changes.assignee.to.id);
  const wantWatchers = events.some((e) => e.type === "ticket:created");

  // Candidates: the tickets' requesters and assignees, whoever the events
  // name, and (for a new ticket) the active users who watch new tickets.
  const [found] = await sql.query<{ tickets: TicketRow[]; watchers: string[]; users: UserRow[] }>(CANDIDATES, [
    [...new Set(events.map((e) => e.ticketId))],
    wantWatchers,
    [...named],
  ]);
  const tickets = new Map(found!.tickets.map((t) => [t.id, t]));
  const newTicketWatchers = found!.watchers;
  const users = new Map<string, Candidate>(
    found!.users.map((u) => [
      u.id,
      {
        id: u.id,
        role: u.role,
        active: u.active,
        // No settings row: the defaults (the row's columns are never null when it exists).
        settings: u.mention === null ? DEFAULT_NOTIFICATION_SETTINGS : settingsFromRow(u as { mention: boolean; assigned: boolean; reply: boolean; newTicket: boolean }),
      },
    ]),
  );

  const rows = events.flatMap((event) => {
    const ticket = tickets.get(event.ticketId);
    if (!ticket) return [];
    const internal = isInternalEvent(event);
    return recipientsOf(event, { ticket, users, staffByHandle, newTicketWatchers }).map((r) => ({
      id: newRowId(),
      userId: r.userId,
      kind: r.kind,
      ticketId: event.ticketId,
      seq: event.seq,
      actorId: event.actor.id,
      internal,
      at: event.at,
    }));
  });
  if (rows.length === 0) return;

  const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => String(r[k]));
  const inserted = await sql.query<{ id: string; userId: string; kind: string; ticketId: string; seq: number }>(INSERT_NOTIFICATIONS, [
    col("id"),
    col("userId"),
    col("kind"),
    col("ticketId"),
    col("seq"),
    col("actorId"),
    col("internal"),
    col("at"),
  ]);
  const byEvent = new Map(events.map((e) => [`${e.ticketId}#${e.seq}`, e]));
  for (const n of inserted) {
    const ticket = tickets.get(n.ticketId)!;
    const event = byEvent.get(`${n.ticketId}#${Number(n.seq)}`)!;
    deps.emitToUser(n.userId, "notification:new", toNotificationDTO({ ...n, ticket, actor: event.actor, createdAt: new Date(event.at), readAt: null }));
  }
}
