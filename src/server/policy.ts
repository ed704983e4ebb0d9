import "server-only";
import { isStaffRole, type Role } from "../shared/enums";
import type { AnyTicketEvent } from "../shared/realtime";
import { AppError } from "./errors";

/**
 * Who may see and do what: the one place that decides, used by API routes,
 * pages and sockets alike.
 *
 * - Requesters see and act on their own tickets only and never see internal notes.
 * - Agents and admins see every ticket and every note.
 * - Only staff change status, priority and assignee; a requester may retitle
 *   their own ticket.
 * - Only admins change users (name, role, active); everyone may end their own
 *   other sessions.
 */
export type Actor = { id: string; role: Role };
export type TicketRef = { requesterId: string };

export type Action =
  | "ticket:list:all"
  | "ticket:read"
  | "ticket:create"
  | "ticket:update:title"
  | "ticket:update:workflow"
  | "comment:create"
  | "comment:internal:read"
  | "comment:internal:create"
  | "attachment:create"
  | "attachment:read"
  | "user:list:staff"
  | "user:update"
  | "session:revoke:own";

export function can(actor: Actor, action: Action, ticket?: TicketRef): boolean {
  const staff = isStaffRole(actor.role);
  const own = ticket !== undefined && ticket.requesterId === actor.id;
  switch (action) {
    case "ticket:create":
    case "session:revoke:own":
      return true;
    case "user:update":
      return actor.role === "ADMIN";
    case "ticket:list:all":
    case "ticket:update:workflow":
    case "comment:internal:read":
    case "comment:internal:create":
    case "user:list:staff":
      return staff;
    case "ticket:read":
    case "ticket:update:title":
    case "comment:create":
    case "attachment:create":
    case "attachment:read":
      return staff || own;
  }
}

/**
 * Throw unless `actor` may perform `action`. A ticket the actor may not even
 * read is reported as NOT_FOUND so its existence does not leak.
 */
export function authorize(actor: Actor, action: Action, ticket?: TicketRef): void {
  if (can(actor, action, ticket)) return;
  if (ticket && !can(actor, "ticket:read", ticket)) throw new AppError("NOT_FOUND", "Ticket not found");
  throw new AppError("FORBIDDEN", "You are not allowed to do that");
}

/** Internal events (internal notes) are for staff only. */
export function isInternalEvent(event: AnyTicketEvent): boolean {
  return event.type === "comment:added" && event.data.comment.internal;
}
