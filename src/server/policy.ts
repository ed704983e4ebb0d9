import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { isStaffRole, type Role } from "../shared/enums";
import { type ComposingKind, type PresenceViewer, rooms, type TicketEventData, type TicketEventType } from "../shared/realtime";
import type { Permissions } from "../shared/permissions";
import { AppError } from "./errors";
import type { RecordedTicketEvent } from "./events/view-event";

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
  | "realtime:inspect"
  | "session:revoke:own"
  | "presence:list";

export function can(actor: Actor, action: Action, ticket?: TicketRef): boolean {
  const staff = isStaffRole(actor.role);
  const own = ticket !== undefined && ticket.requesterId === actor.id;
  switch (action) {
    case "ticket:create":
    case "session:revoke:own":
      return true;
    case "user:update":
    case "realtime:inspect":
      return actor.role === "ADMIN";
    case "ticket:list:all":
    case "ticket:update:workflow":
    case "comment:internal:read":
    case "comment:internal:create":
    case "user:list:staff":
    case "presence:list":
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
export function isInternalEvent<T extends TicketEventType>(event: { type: T; data: TicketEventData[T] }): boolean {
  return event.type === "comment:added" && (event.data as TicketEventData["comment:added"]).comment.internal;
}

/**
 * Which numbering of a ticket's events an actor sees. Staff see every event,
 * numbered by `seq`. Everyone else sees only the events they may read,
 * numbered on their own by `publicSeq`, so their sequence is gap-free and an
 * internal note moves no number they can read (issue 7: nothing inferable).
 * Derived from `comment:internal:read` so the two can never disagree.
 */
export type Audience = "staff" | "requester";

export function audienceOf(actor: Actor): Audience {
  return can(actor, "comment:internal:read") ? "staff" : "requester";
}

/** The room a socket of `actor` joins to follow one ticket's comments and attachments. */
export function ticketRoom(actor: Actor, ticketId: string): string {
  return rooms.ticketAudience(ticketId, audienceOf(actor));
}

/** Rooms that hear an event (minus `except`), and the numbering they get it in. */
export type Delivery = { audience: Audience; to: string[]; except: string[] };

/**
 * Who hears a committed event, as data, so the publisher only executes it.
 *
 * Each audience has rooms of its own, because the same event carries a
 * different seq for each: staff hear it in staff numbering, requesters in
 * public numbering, and nobody is in rooms of both audiences for a ticket.
 * Internal events (no public number) reach staff only.
 * - Ticket changes: every staff member (their ticket lists), and the
 *   requester wherever they are (`user:{id}`), except when the requester is
 *   staff themselves (they already hear it in staff numbering).
 * - Comments and attachments: the sockets that joined the ticket, per audience.
 */
export function deliveriesOf(event: RecordedTicketEvent): Delivery[] {
  const audiences: Audience[] = event.publicSeq === null ? ["staff"] : ["staff", "requester"];
  return audiences.map((audience) => {
    switch (event.type) {
      case "ticket:created":
      case "ticket:updated":
        return audience === "staff"
          ? { audience, to: [rooms.staff], except: [] }
          : { audience, to: [rooms.user(event.data.ticket.requester.id)], except: [rooms.staff] };
      case "comment:added":
      case "attachment:added":
        return { audience, to: [rooms.ticketAudience(event.ticketId, audience)], except: [] };
    }
  });
}

/**
 * One socket's presence on a ticket as the store holds it, with expired
 * typing intent already cleared (see src/server/presence/).
 */
export type PresenceEntry = { userId: string; name: string; role: Role; idle: boolean; composing: ComposingKind | null };

/**
 * Whether `actor` may announce writing `kind`. Announcing a note is writing
 * one: only those who may write internal notes (a requester's "note" is ignored).
 */
export function mayAnnounceComposing(actor: Actor, kind: ComposingKind): boolean {
  return kind === "reply" || can(actor, "comment:internal:create");
}

/**
 * Who is on a ticket, as `audience` may see it: one viewer per user, sorted by
 * name. Staff see everyone with role, idle (only when all of that user's tabs
 * are idle) and typing intent ("reply" wins over "note" when tabs differ: it
 * is the one a colleague's reply could collide with). Requesters see only the
 * staff on their ticket, by name, and only their "reply" intent: never idle,
 * never a note being written (that it exists is internal, like the note).
 * The realtime server sends each audience's room only this view.
 */
export function presenceViewFor(audience: Audience, entries: readonly PresenceEntry[]): PresenceViewer[] {
  const byUser = new Map<string, PresenceEntry[]>();
  for (const entry of entries) {
    if (audience === "requester" && !isStaffRole(entry.role)) continue;
    const tabs = byUser.get(entry.userId);
    if (tabs) tabs.push(entry);
    else byUser.set(entry.userId, [entry]);
  }
  const viewers: PresenceViewer[] = [];
  for (const [userId, tabs] of byUser) {
    const first = tabs[0]!;
    const writing = (kind: ComposingKind) => tabs.some((t) => t.composing === kind);
    if (audience === "staff") {
      const composing = writing("reply") ? "reply" : writing("note") ? "note" : undefined;
      viewers.push({ userId, name: first.name, role: first.role, idle: tabs.every((t) => t.idle), ...(composing ? { composing } : {}) });
    } else {
      viewers.push({ userId, name: first.name, ...(writing("reply") ? { composing: "reply" as const } : {}) });
    }
  }
  return viewers.sort((a, b) => a.name.localeCompare(b.name) || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

/**
 * The staff view without typing intent, for ticket lists: it changes only
 * when someone arrives, leaves or goes idle, so typing does not reach every
 * staff socket.
 */
export function presenceSummaryOf(entries: readonly PresenceEntry[]): PresenceViewer[] {
  return presenceViewFor("staff", entries).map(({ composing: _composing, ...viewer }) => viewer);
}

/** Who hears a ticket's presence, per audience (each gets its own view), and where ticket lists hear the summary. */
export function presenceRooms(ticketId: string): { staff: string; requester: string; summary: string } {
  return { staff: rooms.ticketAudience(ticketId, "staff"), requester: rooms.ticketAudience(ticketId, "requester"), summary: rooms.staff };
}

/** The rooms a socket of `actor` joins on connecting: its user's, and the staff room for staff (ticket lists). */
export function roomsOnConnect(actor: Actor): string[] {
  return audienceOf(actor) === "staff" ? [rooms.user(actor.id), rooms.staff] : [rooms.user(actor.id)];
}

/**
 * The tickets `actor` may see, as a query condition: every list, search and
 * count goes through it, so a requester's query can only ever match their own.
 */
export function ticketScope(actor: Actor): { requesterId?: string } {
  return can(actor, "ticket:list:all") ? {} : { requesterId: actor.id };
}

/** Who may be assigned tickets: active agents and admins (as a query condition, and as a check). */
export const ASSIGNABLE = { active: true, role: { in: ["AGENT", "ADMIN"] as Role[] } };
export function mayBeAssigned(user: { role: Role; active: boolean }): boolean {
  return user.active && ASSIGNABLE.role.in.includes(user.role);
}

/** Active admins, as a query condition: there must always be one (the last-admin guard). */
export const ACTIVE_ADMINS = { active: true, role: "ADMIN" as Role };
/** Whether applying `change` to `user` removes an active admin. */
export function losesAdmin(user: { role: Role; active: boolean }, change: { role?: Role; active?: boolean }): boolean {
  return user.role === "ADMIN" && user.active && ((change.role !== undefined && change.role !== "ADMIN") || change.active === false);
}

/** What `actor` may do, for the UI (see src/shared/permissions.ts). */
export function permissionsOf(actor: Actor): Permissions {
  return {
    seeAllTickets: can(actor, "ticket:list:all"),
    changeWorkflow: can(actor, "ticket:update:workflow"),
    writeInternal: can(actor, "comment:internal:create"),
    manageUsers: can(actor, "user:update"),
    inspectRealtime: can(actor, "realtime:inspect"),
  };
}

/** What the readiness route knows about who is asking. */
export type ReadinessAsker = {
  /** The TCP peer is this host (server.ts's x-tandem-remote-addr, not a client header). */
  fromLoopback: boolean;
  /** A proxy forwarded it (X-Forwarded-For, Forwarded or X-Real-IP present). */
  forwarded: boolean;
  /** The token sent as `Authorization: Bearer …`, if any. */
  bearer: string | undefined;
};

/**
 * Readiness details (pid, socket counts, Redis state) help an attacker map the
 * deployment, so only operators get them: a request from this host that no
 * proxy forwarded (the shipped nginx and HAProxy connect from 127.0.0.1 and
 * always add X-Forwarded-For), or one bearing READY_TOKEN.
 */
export function mayReadReadinessDetail(asker: ReadinessAsker, readyToken: string | undefined): boolean {
  if (asker.fromLoopback && !asker.forwarded) return true;
  if (!readyToken || asker.bearer === undefined) return false;
  // Compare digests: equal length, constant time, whatever was sent.
  const digest = (v: string) => createHash("sha256").update(v).digest();
  return timingSafeEqual(digest(asker.bearer), digest(readyToken));
}
