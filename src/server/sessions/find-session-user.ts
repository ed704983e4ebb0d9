import "server-only";
import type { SessionUser } from "../../shared/dto";
import { db, sql } from "../db";
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
  touch(sessionId, now.getTime());
  return { id: user.id, name: user.name, email: user.email, role: user.role };
}

/** Refresh lastUsedAt off the request path, rarely: a write per request would double the cost of every call. */
function touch(sessionId: string, now: number) {
  const last = touched.get(sessionId);
  if (last !== undefined && now - last < TOUCH_EVERY_MS) return;
  if (touched.size >= MAX_TRACKED) touched.clear();
  touched.set(sessionId, now);
  db()
    .session.updateMany({ where: { id: sessionId }, data: { lastUsedAt: new Date(now) } })
    .catch((e: unknown) => log.error({ err: e }, "[tandem] could not record session use"));
}
