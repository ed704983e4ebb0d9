import "server-only";
import type { SessionUser } from "../../shared/dto";
import { db } from "../db";
import { authorize } from "../policy";
import { runtime } from "../runtime";

/**
 * "Sign out other sessions": end every live session of `actor` except
 * `currentSessionId`, close their sockets on every process, and say how many
 * were ended.
 */
export async function revokeOtherSessions(actor: SessionUser, currentSessionId: string): Promise<{ revoked: number }> {
  authorize(actor, "session:revoke:own");
  const now = new Date();
  const ended = await db().session.updateManyAndReturn({
    where: { userId: actor.id, id: { not: currentSessionId }, revokedAt: null, expiresAt: { gt: now } },
    data: { revokedAt: now },
    select: { id: true },
  });
  runtime().sockets?.closeSessions(ended.map((s) => s.id));
  return { revoked: ended.length };
}
