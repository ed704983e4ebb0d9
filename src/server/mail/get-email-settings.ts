import "server-only";
import type { EmailSettingsDTO } from "../../shared/mail";
import { db } from "../db";
import type { Actor } from "../policy";
import { emailSettingsFromRow } from "./email-settings-row";

/** `actor`'s email switches (their role's defaults for kinds they never set). */
export async function getEmailSettings(actor: Actor): Promise<EmailSettingsDTO> {
  const row = await db().notificationSettings.findUnique({ where: { userId: actor.id } });
  return emailSettingsFromRow(row, actor);
}
