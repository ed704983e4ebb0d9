import "server-only";
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettingsDTO } from "../../shared/notifications";
import type { TUpdateNotificationSettings } from "../../shared/schemas/notifications";
import { db } from "../db";
import type { Actor } from "../policy";
import { settingsFromRow, settingsToRow } from "./settings-row";

/**
 * Turn kinds of `actor`'s notifications on or off; kinds not named keep
 * their value. The first save writes every column, the untouched ones at
 * their defaults, so the defaults live in one place (src/shared/notifications.ts).
 */
export async function updateNotificationSettings(actor: Actor, input: TUpdateNotificationSettings): Promise<NotificationSettingsDTO> {
  const row = await db().notificationSettings.upsert({
    where: { userId: actor.id },
    create: { userId: actor.id, ...settingsToRow({ ...DEFAULT_NOTIFICATION_SETTINGS, ...definedOnly(input) }) },
    update: settingsToRow(input),
  });
  return settingsFromRow(row);
}

function definedOnly(input: TUpdateNotificationSettings): Partial<NotificationSettingsDTO> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}
