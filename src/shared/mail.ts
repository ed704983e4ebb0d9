/**
 * Email notification kinds, their per-role defaults and their wording: shared
 * by the mail processor, the API, the settings form on /account and the
 * unsubscribe page.
 */
import { isStaffRole, type Role } from "./enums";

export const MAIL_KINDS = ["reply", "resolved", "assigned", "mention"] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** Per-user email switches, one per kind (the API's and the form's shape). */
export type EmailSettingsDTO = Record<MailKind, boolean>;

/**
 * What a user gets for a kind they never switched. A requester has no other
 * way to hear of a reply while away from the app, so theirs are on; staff
 * work in the app all day, so theirs are opt-in.
 */
export function defaultEmailSettings(role: Role): EmailSettingsDTO {
  const requester = !isStaffRole(role);
  return { reply: requester, resolved: requester, assigned: false, mention: false };
}

/** The form's label and hint for each kind, and the unsubscribe page's name for it. */
export const MAIL_KIND_LABELS: Record<MailKind, { label: string; hint: string }> = {
  reply: { label: "Replies", hint: "Support replies on a ticket you opened." },
  resolved: { label: "Resolved tickets", hint: "A ticket you opened is marked resolved." },
  assigned: { label: "Assignments", hint: "Someone else assigns a ticket to you." },
  mention: { label: "Mentions", hint: "Someone writes @you in a reply or an internal note." },
};

export function isMailKind(kind: string): kind is MailKind {
  return (MAIL_KINDS as readonly string[]).includes(kind);
}
