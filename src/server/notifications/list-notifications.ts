import "server-only";
import type { NotificationDTO } from "../../shared/dto";
import type { TListNotifications } from "../../shared/schemas/notifications";
import { db } from "../db";
import { type Actor, notificationScope } from "../policy";
import { notificationInclude, toNotificationDTO } from "../serializers";

/** `actor`'s newest notifications and their unread count (only their own, as the policy scopes them). */
export async function listNotifications(actor: Actor, input: TListNotifications): Promise<{ items: NotificationDTO[]; unread: number }> {
  const scope = notificationScope(actor);
  const [rows, unread] = await Promise.all([
    db().notification.findMany({
      where: scope,
      include: notificationInclude,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: input.limit,
    }),
    countUnread(actor),
  ]);
  return { items: rows.map(toNotificationDTO), unread };
}

/** How many of `actor`'s notifications are unread. */
export function countUnread(actor: Actor): Promise<number> {
  return db().notification.count({ where: { ...notificationScope(actor), readAt: null } });
}
