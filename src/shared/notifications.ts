/**
 * Notification kinds, their defaults and their wording: shared by the
 * processor that writes notifications, the API, the header's notification
 * centre and the settings form on /account.
 */
export const NOTIFICATION_KINDS = ["mention", "assigned", "reply", "new_ticket"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Per-user switches, one per kind (the API's and the form's shape). */
export type NotificationSettingsDTO = Record<NotificationKind, boolean>;

/**
 * What a user gets before they ever saved the form (no settings row). Every
 * new ticket is noise for most staff, so that one is opt-in.
 */
export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettingsDTO = {
  mention: true,
  assigned: true,
  reply: true,
  new_ticket: false,
};

/** The form's label and hint for each kind. */
export const NOTIFICATION_KIND_LABELS: Record<NotificationKind, { label: string; hint: string }> = {
  mention: { label: "Mentions", hint: "Someone writes @you in a reply or an internal note." },
  assigned: { label: "Assignments", hint: "Someone else assigns a ticket to you." },
  reply: { label: "Replies", hint: "Someone else replies on a ticket you opened or are assigned to." },
  new_ticket: { label: "New tickets", hint: "Any new ticket is opened." },
};

/**
 * The hints a requester reads instead: a customer is never assigned a
 * ticket, and "someone else" is, for them, the support team.
 */
export const NOTIFICATION_KIND_REQUESTER_HINTS: Partial<Record<NotificationKind, string>> = {
  reply: "Support replies on a ticket you opened.",
};

/** "mentioned you on", as in "Sam Agent mentioned you on #12 Printer on fire". */
export const NOTIFICATION_VERBS: Record<NotificationKind, string> = {
  mention: "mentioned you on",
  assigned: "assigned you",
  reply: "replied on",
  new_ticket: "opened",
};

export function isNotificationKind(kind: string): kind is NotificationKind {
  return (NOTIFICATION_KINDS as readonly string[]).includes(kind);
}
