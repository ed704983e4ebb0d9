import "server-only";
import { db } from "../db";
import { runtime } from "../runtime";

/**
 * End one session (sign-out): its token is refused from now on, wherever a
 * copy of it is, and its open sockets close on every process.
 */
export async function revokeSession(sessionId: string): Promise<void> {
  await db().session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
  runtime().sockets?.closeSessions([sessionId]);
}
