/**
 * Email notification kinds, their per-role defaults and their wording: shared
 * by the mail processor, the API, the settings form on /account and the
 * unsubscribe page.
 */
export const MAIL_KINDS = ["reply", "resolved", "assigned", "mention"] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** Per-user email switches, one per kind (the API's and the form's shape). */
export type EmailSettingsDTO = Record<MailKind, boolean>;

/** The form's label and hint for each kind, and the unsubscribe page's name for it. */
export const MAIL_KIND_LABELS: Record<MailKind, { label: string; hint: string }> = {
  reply: { label: "Replies", hint: "Support replies on a ticket you opened." },
  resolved: { label: "Resolved tickets", hint: "A ticket you opened is marked resolved." },
  assigned: { label: "Assignments", hint: "Someone else assigns a ticket to you." },
  mention: { label: "Mentions", hint: "Someone writes @you in a reply or an internal note." },
};

/**
 * The hint for `kind` as it applies to the reader: staff are mailed about
 * replies on tickets assigned to them, not on tickets they opened, and an
 * agent reading "Support replies on a ticket you opened" took the switch for
 * something that did not concern them.
 */
export function mailKindHint(kind: MailKind, staff: boolean): string {
  if (staff && kind === "reply") return "Someone else replies on a ticket assigned to you.";
  return MAIL_KIND_LABELS[kind].hint;
}

export function isMailKind(kind: string): kind is MailKind {
  return (MAIL_KINDS as readonly string[]).includes(kind);
}

/** One mail as the admin mail page lists it (never its text: it may quote internal notes). */
export type MailProblemDTO = {
  id: string;
  /** "reply" | "resolved" | "assigned" | "mention" | "invite". */
  kind: string;
  to: { name: string; email: string };
  subject: string;
  /** "failed": given up; "pending": waiting for its next try after a failure. */
  status: "failed" | "pending";
  attempts: number;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string;
};

/** GET /api/mail: the queue at a glance, and the mails that failed or are being retried, newest first. */
export type MailQueueDTO = {
  counts: { due: number; retrying: number; failed: number; sentLastDay: number };
  problems: MailProblemDTO[];
};
