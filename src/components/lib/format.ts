import type { UserRef } from "../../shared/dto";
import { PRIORITY_LABELS, type Role, STATUS_LABELS } from "../../shared/enums";
import type { AnyTicketEvent } from "../../shared/realtime";

export const ROLE_LABELS: Record<Role, string> = { REQUESTER: "Requester", AGENT: "Agent", ADMIN: "Admin" };

/** The badge beside a comment author's name: support staff are marked, requesters are not. */
export const AUTHOR_BADGES: Record<Role, string | null> = { REQUESTER: null, AGENT: ROLE_LABELS.AGENT, ADMIN: ROLE_LABELS.ADMIN };

/** "1.2 MB" style sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * A fixed, locale- and timezone-free rendering ("2026-11-22 14:05 UTC") used
 * for the server render, so hydration never mismatches; the browser then
 * switches to relative, local time.
 */
export function formatUtc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", then a local date. */
export function formatRelative(iso: string, now: number): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 7) return `${days} d ago`;
  return new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

const who = (u: UserRef | null) => u?.name ?? "nobody";

/** One line per event for the activity timeline: "Alice changed status from Open to In progress". */
export function describeEvent(event: AnyTicketEvent): string[] {
  const actor = event.actor.name;
  switch (event.type) {
    case "ticket:created":
      return [`${actor} opened the ticket`];
    case "comment:added":
      return [event.data.comment.internal ? `${actor} added an internal note` : `${actor} commented`];
    case "attachment:added":
      return [`${actor} attached ${event.data.attachment.originalName}`];
    case "ticket:updated": {
      const c = event.data.changes;
      const lines: string[] = [];
      if (c.status) {
        lines.push(`${actor} changed status from ${STATUS_LABELS[c.status.from]} to ${STATUS_LABELS[c.status.to]}`);
      }
      if (c.tags) {
        const list = (names: string[]) => names.join(", ");
        if (c.tags.added.length) lines.push(`${actor} added ${c.tags.added.length === 1 ? "tag" : "tags"} ${list(c.tags.added)}`);
        if (c.tags.removed.length) lines.push(`${actor} removed ${c.tags.removed.length === 1 ? "tag" : "tags"} ${list(c.tags.removed)}`);
      }
      if (c.priority) {
        lines.push(
          `${actor} changed priority from ${PRIORITY_LABELS[c.priority.from]} to ${PRIORITY_LABELS[c.priority.to]}`,
        );
      }
      if (c.assignee) {
        lines.push(
          c.assignee.to
            ? `${actor} assigned the ticket to ${c.assignee.to.name}` +
                (c.assignee.from ? ` (was ${who(c.assignee.from)})` : "")
            : `${actor} unassigned ${who(c.assignee.from)}`,
        );
      }
      if (c.title) lines.push(`${actor} renamed the ticket from “${c.title.from}” to “${c.title.to}”`);
      return lines.length ? lines : [`${actor} updated the ticket`];
    }
  }
}
