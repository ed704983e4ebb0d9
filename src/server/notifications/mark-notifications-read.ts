import "server-only";
import type { TMarkNotificationsRead } from "../../shared/schemas/notifications";
import { db } from "../db";
import { type Actor, notificationScope } from "../policy";
import { runtime } from "../runtime";
import { countUnread } from "./list-notifications";

/**
 * Mark some of `actor`'s notifications (ids that are not theirs are ignored)
 * or all of them as read, then tell every tab of theirs, on every process,
 * so badges and lists agree (`notification:read`). Marking twice is harmless.
 */
export async function markNotificationsRead(actor: Actor, input: TMarkNotificationsRead): Promise<{ unread: number }> {
  const where = { ...notificationScope(actor), readAt: null, ...("ids" in input ? { id: { in: input.ids } } : {}) };
  const { count } = await db().notification.updateMany({ where, data: { readAt: new Date() } });
  const unread = await countUnread(actor);
  if (count > 0) runtime().toUser?.(actor.id, "notification:read", { ids: "ids" in input ? input.ids : "all", unread });
  return { unread };
}
