import "server-only";
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettingsDTO } from "../../shared/notifications";
import { db } from "../db";
import type { Actor } from "../policy";
import { settingsFromRow } from "./settings-row";

/** `actor`'s notification switches (the defaults until they first save). */
export async function getNotificationSettings(actor: Actor): Promise<NotificationSettingsDTO> {
  const row = await db().notificationSettings.findUnique({ where: { userId: actor.id } });
  return row ? settingsFromRow(row) : { ...DEFAULT_NOTIFICATION_SETTINGS };
}
