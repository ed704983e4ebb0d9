import "server-only";
import { db } from "../db";

/** How long a session lasts from sign-in: the JWT's maxAge, and the session row's absolute end. */
export const SESSION_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

/** Longest user agent kept: enough to recognise a browser, not a place to store blobs. */
const MAX_USER_AGENT = 200;

/**
 * Record a new signed-in session for `userId` and return its id, which the
 * JWT then carries (`sid`). Also drops this user's sessions that have ended
 * for good, so the table grows with active sessions only.
 */
export async function createSession(userId: string, userAgent?: string | null): Promise<string> {
  const now = new Date();
  const [, session] = await db().$transaction([
    db().session.deleteMany({ where: { userId, expiresAt: { lte: now } } }),
    db().session.create({
      data: {
        userId,
        expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000),
        userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
      },
      select: { id: true },
    }),
  ]);
  return session.id;
}
