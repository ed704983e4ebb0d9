import "server-only";
import type { Role } from "../../shared/enums";
import { db } from "../db";

const BATCH = 500;

/**
 * Of `sessionIds`, those still live (not revoked, not past their end, user
 * active), each with its user's current role. For the periodic re-check of
 * open sockets: one query per batch, whatever the number of sockets.
 */
export async function findLiveSessions(sessionIds: string[]): Promise<Map<string, Role>> {
  const live = new Map<string, Role>();
  const now = new Date();
  for (let i = 0; i < sessionIds.length; i += BATCH) {
    const rows = await db().session.findMany({
      where: { id: { in: sessionIds.slice(i, i + BATCH) }, revokedAt: null, expiresAt: { gt: now }, user: { active: true } },
      select: { id: true, user: { select: { role: true } } },
    });
    for (const row of rows) live.set(row.id, row.user.role);
  }
  return live;
}
