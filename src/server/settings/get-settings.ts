import "server-only";
import type { SettingsDTO } from "../../shared/audit";
import { TICKET_PRIORITIES, type TicketPriority } from "../../shared/enums";
import type { Prisma } from "../../generated/prisma/client";
import { db } from "../db";
import { type Actor, authorize } from "../policy";

/** What the migration inserts; used only if the row was deleted by hand. */
export const DEFAULT_SETTINGS: SettingsDTO = { signupEnabled: false, requesterPriorities: ["LOW", "MEDIUM", "HIGH"] };

/** Keep only known priorities, in their natural order (the column is text, see schema.prisma). */
export function toSettingsDTO(row: { signupEnabled: boolean; requesterPriorities: string[] }): SettingsDTO {
  return {
    signupEnabled: row.signupEnabled,
    requesterPriorities: TICKET_PRIORITIES.filter((p): p is TicketPriority => row.requesterPriorities.includes(p)),
  };
}

/**
 * The install's settings. Not authorized: every caller needs them to decide
 * something the policy then rules on (the sign-up page, the new-ticket form),
 * and they hold nothing secret. Admin edits go through updateSettings.
 */
export async function getSettings(tx: Prisma.TransactionClient = db()): Promise<SettingsDTO> {
  const row = await tx.settings.findUnique({ where: { id: 1 } });
  return row ? toSettingsDTO(row) : DEFAULT_SETTINGS;
}

/** The settings for the admin settings page and GET /api/settings (admins only). */
export async function getSettingsForAdmin(actor: Actor): Promise<SettingsDTO> {
  authorize(actor, "settings:update");
  return getSettings();
}
