/**
 * Ticket views: named filters shown beside the list with a live count. The
 * built-in ones are for staff; anyone may save their own from any filter.
 */
import type { TicketPriority, TicketStatus } from "./enums";

/** Statuses a ticket is done in; "open" views leave them out. */
export const CLOSED_STATUSES: readonly TicketStatus[] = ["RESOLVED", "CLOSED"];

/** The filter part of a list query (no sort, cursor or limit): what a view is. */
export type ViewFilter = {
  status?: TicketStatus;
  priority?: TicketPriority;
  /** A user id, "me" or "none". */
  assignee?: string;
  /** "open": not Resolved or Closed. */
  state?: "open";
  /** Staff only: tickets carrying this tag. */
  tag?: string;
  q?: string;
};

export type BuiltInView = { id: string; name: string; filter: ViewFilter };

export const BUILT_IN_VIEWS: readonly BuiltInView[] = [
  { id: "mine", name: "My open", filter: { assignee: "me", state: "open" } },
  { id: "unassigned", name: "Unassigned", filter: { assignee: "none", state: "open" } },
  { id: "open", name: "All open", filter: { state: "open" } },
  { id: "waiting", name: "Waiting", filter: { status: "WAITING" } },
  { id: "urgent", name: "Urgent", filter: { priority: "URGENT", state: "open" } },
];

const KEYS = ["status", "priority", "assignee", "state", "tag", "q"] as const;

/** The filter of a list query, with empty fields dropped, in a fixed key order. */
export function filterOf(query: ViewFilter): ViewFilter {
  const out: ViewFilter = {};
  for (const key of KEYS) {
    const value = query[key];
    if (value !== undefined && value !== "") (out as Record<string, string>)[key] = value;
  }
  return out;
}

export function sameFilter(a: ViewFilter, b: ViewFilter): boolean {
  return JSON.stringify(filterOf(a)) === JSON.stringify(filterOf(b));
}

/** The URL of a view's list. */
export function viewHref(filter: ViewFilter): string {
  const params = new URLSearchParams(filterOf(filter) as Record<string, string>);
  return params.size ? `/tickets?${params}` : "/tickets";
}

/** A view as listed: its filter and how many tickets match now (`more`: at least that many). */
export type ViewDTO = { id: string; name: string; filter: ViewFilter; count: number; more: boolean; saved: boolean };
