import "server-only";
import type { SessionUser } from "../../shared/dto";
import { sql } from "../db";
import { statement } from "../db/sql";
import { log } from "../log";

/** lastUsedAt is informational: refresh it at most this often per session and process. */
const TOUCH_EVERY_MS = 5 * 60_000;
const MAX_TRACKED = 10_000;
const touched = new Map<string, number>();

const SESSION_USER = statement(
  "session_user",
  `SELECT u."id", u."name", u."email", u."role"::text AS "role" FROM "User" u
   WHERE u."id" = $1 AND u."active"
     AND EXISTS (SELECT 1 FROM "Session" s WHERE s."id" = $2 AND s."userId" = u."id" AND s."revokedAt" IS NULL
                 AND s."expiresAt" > ($3::timestamptz AT TIME ZONE 'UTC'))`,
);

/**
 * The user behind session `sessionId`, if that session is still live (not
 * revoked, not past its end) and belongs to `userId`, who must still exist and
 * be active; otherwise null. One prepared statement (the session is an EXISTS
 * in the user's WHERE): every authenticated request and socket handshake runs
 * it, so it skips Prisma's query compiler (src/server/db/sql.ts).
 */
export async function findSessionUser(sessionId: string, userId: string): Promise<SessionUser | null> {
  const now = new Date();
  const [user] = await sql().query<SessionUser>(SESSION_USER, [userId, sessionId, now.toISOString()]);
  if (!user) return null;
  recordSessionUse(sessionId, now.getTime());
  return { id: user.id, name: user.name, email: user.email, role: user.role };
}

const TOUCH_SESSIONS = statement(
  "touch_sessions",
  `UPDATE "Session" SET "lastUsedAt" = ($2::timestamptz AT TIME ZONE 'UTC') WHERE "id" = ANY($1::text[])`,
);
/** Sessions whose use is not written yet, and when they were used. */
const pending = new Map<string, number>();
let flushing: NodeJS.Timeout | undefined;
/** How long uses wait to be written together. */
const TOUCH_FLUSH_MS = 1_000;
/** Ids per statement. */
const TOUCH_BATCH = 2_000;

/**
 * A use of a live session (checked by findSessionUser, or by a write that
 * checked it in its own statement). Refresh lastUsedAt off the request path,
 * rarely (a write per request would double the cost of every call), and in
 * batches: after a deploy every browser reconnects at once, and one update
 * per handshake (an ORM call and its transaction each, as it was) made a
 * burst of thousands of writes that competed with the rejoins for the
 * database pool. Now the uses of a second
 * are one prepared statement per 2,000 sessions. The timer does not hold the
 * process open; server.ts writes what is pending when it stops.
 */
export function recordSessionUse(sessionId: string, now = Date.now()) {
  const last = touched.get(sessionId);
  if (last !== undefined && now - last < TOUCH_EVERY_MS) return;
  if (touched.size >= MAX_TRACKED) touched.clear();
  touched.set(sessionId, now);
  pending.set(sessionId, now);
  if (!flushing) {
    flushing = setTimeout(() => void flushSessionTouches(), TOUCH_FLUSH_MS);
    flushing.unref();
  }
}

/** Write the pending uses now (each batch at its latest use); errors are logged, never thrown. */
export async function flushSessionTouches(): Promise<void> {
  clearTimeout(flushing);
  flushing = undefined;
  const batch = [...pending];
  pending.clear();
  for (let i = 0; i < batch.length; i += TOUCH_BATCH) {
    const part = batch.slice(i, i + TOUCH_BATCH);
    const at = new Date(Math.max(...part.map(([, t]) => t))).toISOString();
    await sql()
      .query(TOUCH_SESSIONS, [part.map(([id]) => id), at])
      .catch((e: unknown) => log.error({ err: e }, "[tandem] could not record session use"));
  }
}
