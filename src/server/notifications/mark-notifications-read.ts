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
 *
 * "All" with `upTo` (the newest one the user was shown; the browser sends it)
 * is all up to that one. Without it, a notification created a moment before
 * the press, still on its way to the screen, was marked read unseen, and its
 * mail skipped as "read in the app". An `upTo` that is not the actor's marks
 * nothing, as foreign ids do.
 */
export async function markNotificationsRead(actor: Actor, input: TMarkNotificationsRead): Promise<{ unread: number }> {
  const scope = notificationScope(actor);
  let upTo: Date | undefined;
  if ("all" in input && input.upTo !== undefined) {
    const newest = await db().notification.findFirst({ where: { ...scope, id: input.upTo }, select: { createdAt: true } });
    if (!newest) return { unread: await countUnread(actor) };
    upTo = newest.createdAt;
  }
  const where = { ...scope, readAt: null, ...("ids" in input ? { id: { in: input.ids } } : upTo ? { createdAt: { lte: upTo } } : {}) };
  const { count } = await db().notification.updateMany({ where, data: { readAt: new Date() } });
  const unread = await countUnread(actor);
  if (count > 0) runtime().toUser?.(actor.id, "notification:read", { ids: "ids" in input ? input.ids : "all", unread, ...(upTo ? { upTo: upTo.toISOString() } : {}) });
  return { unread };
}
