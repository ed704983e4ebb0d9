import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import { statement, type Sql } from "../db/sql";
import { fromStoredRow, type StoredEventRow } from "../events/stored-event";
import type { RecordedTicketEvent } from "../events/view-event";

/**
 * The event stream: every ticket's events in one order, read with a cursor.
 *
 * `position` is taken at insert, so on its own it is not commit order: a
 * transaction that took position 9 may commit after one that took 10, and a
 * reader that had moved past 10 would skip 9 for good. So events are read in
 * (txId, position) order, and only those of transactions older than the
 * oldest one still running (`pg_snapshot_xmin`): every such transaction has
 * ended, and any transaction that starts later gets a larger id. An event is
 * therefore readable only once nothing before it can still appear, and a
 * cursor never passes one that commits late. This is the "transactional
 * outbox" read in PostgreSQL's own terms; it costs one index range scan and
 * no lock, and writers on different tickets never wait for each other.
 *
 * One cluster-wide transaction that stays open holds readers back until it
 * ends (statement timeouts bound the app's own); see the README.
 */
export type Cursor = { txId: bigint; position: bigint };

/** Before every event. */
export const STREAM_START: Cursor = { txId: 0n, position: 0n };

export type StreamEvent = {
  cursor: Cursor;
  /** Null when the stored payload does not parse (logged; nothing is sent for it). */
  event: RecordedTicketEvent | null;
  /** The ticket's requester now (comment events do not carry it; their lists need it). */
  requesterId: string;
};

/** A stored event's columns (as stored-event.ts reads them), its place in the stream, and its actor flattened. */
type Row = Omit<StoredEventRow, "actor" | "createdAt"> & {
  txId: bigint | string;
  position: bigint | string;
  createdAtMs: number | string;
  actorId: string;
  actorName: string;
  requesterId: string;
};

const big = (v: bigint | number | string) => BigInt(v);

/** Up to `limit` events after `after`, in stream order. */
export async function readStream(
  sql: Sql,
  after: Cursor,
  limit: number,
  onUnreadable: (e: unknown, row: { ticketId: string; seq: number }) => void = () => undefined,
): Promise<StreamEvent[]> {
  return (await readStreamBatch(sql, after, limit, onUnreadable)).events;
}

/**
 * One read per commit (./shared-reader.ts), so a prepared statement
 * (src/server/db/sql.ts). The time comes back as epoch milliseconds: the
 * drivers would read a `timestamp without time zone` in the process's zone.
 */
const READ_BATCH = statement(
  "stream_read_batch",
  `WITH horizon AS MATERIALIZED (
     SELECT (pg_snapshot_xmin(pg_current_snapshot()))::text::bigint AS xmin
   ), batch AS (
     SELECT e."txId", e."position", e."ticketId", e."seq", e."publicSeq", e."type", e."payload",
            e."payloadVersion", (extract(epoch FROM e."createdAt") * 1000)::float8 AS "createdAtMs",
            u."id" AS "actorId", u."name" AS "actorName", t."requesterId"
     FROM "TicketEvent" e JOIN "User" u ON u."id" = e."actorId" JOIN "Ticket" t ON t."id" = e."ticketId"
     WHERE (e."txId", e."position") > ($1::bigint, $2::bigint)
       AND e."txId" < (SELECT xmin FROM horizon)
     ORDER BY e."txId", e."position"
     LIMIT $3::int
   )
   SELECT b.*, EXISTS (SELECT 1 FROM "TicketEvent" h WHERE h."txId" >= (SELECT xmin FROM horizon)) AS "pending"
   FROM (SELECT 1) AS one LEFT JOIN batch b ON true
   ORDER BY b."txId", b."position"`,
);

/**
 * Up to `limit` events after `after`, in stream order, and whether any
 * committed event is still held back (`pending`): committed, so visible to
 * this statement, but not readable yet because an older transaction is still
 * running. Only then is it worth looking again soon; otherwise nothing new
 * can become readable until the next commit, which wakes the reader anyway.
 * One statement either way: the batch, left-joined to a single row that
 * carries the flag, so an empty batch still answers it.
 */
export async function readStreamBatch(
  sql: Sql,
  after: Cursor,
  limit: number,
  onUnreadable: (e: unknown, row: { ticketId: string; seq: number }) => void = () => undefined,
): Promise<{ events: StreamEvent[]; pending: boolean }> {
  const rows = await sql.query<Nullable<Row> & { pending: boolean }>(READ_BATCH, [after.txId.toString(), after.position.toString(), limit]);
  const pending = rows[0]?.pending === true;
  const events = rows.flatMap((row): StreamEvent[] => {
    if (row.txId === null) return [];
    const r = row as Row;
    const cursor = { txId: big(r.txId), position: big(r.position) };
    try {
      const event = fromStoredRow({ ...r, createdAt: new Date(Number(r.createdAtMs)), actor: { id: r.actorId, name: r.actorName } });
      return [{ cursor, event, requesterId: r.requesterId }];
    } catch (e) {
      onUnreadable(e, r);
      return [{ cursor, event: null, requesterId: r.requesterId }];
    }
  });
  return { events, pending };
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

/** The cursor after the newest readable event: where a consumer that wants only new events starts. */
export async function streamHead(prisma: PrismaClient): Promise<Cursor> {
  const [row] = await prisma.$queryRaw<{ txId: bigint; position: bigint }[]>`
    SELECT "txId", "position" FROM "TicketEvent"
    WHERE "txId" < (pg_snapshot_xmin(pg_current_snapshot()))::text::bigint
    ORDER BY "txId" DESC, "position" DESC
    LIMIT 1`;
  return row ? { txId: big(row.txId), position: big(row.position) } : STREAM_START;
}

export function compareCursors(a: Cursor, b: Cursor): number {
  if (a.txId !== b.txId) return a.txId < b.txId ? -1 : 1;
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return 0;
}
