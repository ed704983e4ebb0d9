import "server-only";
import type { SessionUser } from "../../shared/dto";
import { db } from "../db";
import { log } from "../log";

/** lastUsedAt is informational: refresh it at most this often per session and process. */
const TOUCH_EVERY_MS = 5 * 60_000;
const MAX_TRACKED = 10_000;
const touched = new Map<string, number>();

/**
 * The user behind session `sessionId`, if that session is still live (not
 * revoked, not past its end) and belongs to `userId`, who must still exist and
 * be active; otherwise null. One query (the session is an EXISTS in the
 * user's WHERE): every authenticated request and socket handshake runs it.
 */
export async function findSessionUser(sessionId: string, userId: string): Promise<SessionUser | null> {
  const now = new Date();
  const user = await db().user.findFirst({
    where: { id: userId, active: true, sessions: { some: { id: sessionId, revokedAt: null, expiresAt: { gt: now } } } },
    select: { id: true, name: true, email: true, role: true },
  });
  if (user) touch(sessionId, now.getTime());
  return user;
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
