import "server-only";
import type { EmailSettingsDTO, MailKind } from "../../shared/mail";
import { type Actor, defaultEmailSettingsFor } from "../policy";

/** The settings table's email columns; null is "the default for my role". */
export type EmailRow = { emailReply: boolean | null; emailResolved: boolean | null; emailAssigned: boolean | null; emailMention: boolean | null };

const COLUMN: Record<MailKind, keyof EmailRow> = {
  reply: "emailReply",
  resolved: "emailResolved",
  assigned: "emailAssigned",
  mention: "emailMention",
};

/** A user's email switches: what they chose, else their role's default (the policy's `defaultEmailSettingsFor`). */
export function emailSettingsFromRow(row: EmailRow | null | undefined, user: Actor): EmailSettingsDTO {
  const defaults = defaultEmailSettingsFor(user);
  const pick = (k: MailKind) => row?.[COLUMN[k]] ?? defaults[k];
  return { reply: pick("reply"), resolved: pick("resolved"), assigned: pick("assigned"), mention: pick("mention") };
}

/** The columns for the switches given (the others left out). */
export function emailSettingsToRow(s: Partial<EmailSettingsDTO>): Partial<EmailRow> {
  const row: Partial<EmailRow> = {};
  for (const [kind, column] of Object.entries(COLUMN) as [MailKind, keyof EmailRow][]) if (s[kind] !== undefined) row[column] = s[kind];
  return row;
}
