/** The audit log's vocabulary, shared by the server and the admin page. */
import type { UserRef } from "./dto";
import type { TicketPriority } from "./enums";

export const AUDIT_ACTIONS = ["user:create", "user:update", "user:password", "user:invite", "settings:update"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  "user:create": "Created user",
  "user:update": "Changed user",
  "user:password": "Set password",
  "user:invite": "Issued invite link",
  "settings:update": "Changed settings",
};

/** Values recorded before and after a change: plain fields, never a password, hash or token. */
export type AuditValues = Record<string, string | number | boolean | string[] | null>;

/** One audit entry as admins see it. `actor` null: the operator command line. */
export type AuditEntryDTO = {
  id: string;
  action: AuditAction;
  actor: UserRef | null;
  target: (UserRef & { email: string }) | null;
  before: AuditValues | null;
  after: AuditValues | null;
  createdAt: string;
};

/** Settings as the admin page and the new-ticket form read them. */
export type SettingsDTO = { signupEnabled: boolean; requesterPriorities: TicketPriority[] };
