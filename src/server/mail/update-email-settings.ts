import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import type { EmailSettingsDTO } from "../../shared/mail";
import { DEFAULT_NOTIFICATION_SETTINGS } from "../../shared/notifications";
import type { TUpdateEmailSettings } from "../../shared/schemas/mail";
import { db } from "../db";
import { settingsToRow } from "../notifications/settings-row";
import type { Actor } from "../policy";
import { emailSettingsFromRow, emailSettingsToRow } from "./email-settings-row";

/**
 * Turn kinds of `actor`'s email on or off; kinds not named keep their value
 * (or stay at their role's default). Queued mails of a kind switched off are
 * not sent: the worker checks the switch when each one is due.
 */
export async function updateEmailSettings(actor: Actor, input: TUpdateEmailSettings): Promise<EmailSettingsDTO> {
  return saveEmailSettings(db(), actor, input);
}

/** The write itself, for the settings form and the unsubscribe link alike. */
export async function saveEmailSettings(prisma: PrismaClient, user: Actor, input: Partial<EmailSettingsDTO>): Promise<EmailSettingsDTO> {
  const columns = emailSettingsToRow(input);
  const row = await prisma.notificationSettings.upsert({
    where: { userId: user.id },
    // The first row also holds the in-app switches: at their defaults, as if never saved.
    create: { userId: user.id, ...settingsToRow(DEFAULT_NOTIFICATION_SETTINGS), ...columns },
    update: columns,
  });
  return emailSettingsFromRow(row, user);
}
