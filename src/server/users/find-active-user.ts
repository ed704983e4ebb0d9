import "server-only";
import type { SessionUser } from "../../shared/dto";
import { db } from "../db";

/**
 * An active user by id, as sessions see them. Every authenticated request and
 * socket re-reads this, so deactivating or deleting a user signs them out at
 * once rather than when their JWT expires.
 */
export async function findActiveUser(id: string): Promise<SessionUser | null> {
  const user = await db().user.findUnique({
    where: { id },
    select: { id: true, name: true, email: true, role: true, active: true },
  });
  if (!user || !user.active) return null;
  return { id: user.id, name: user.name, email: user.email, role: user.role };
}
