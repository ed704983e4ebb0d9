import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { closeOrReopen, isStaffRole, type Role, TICKET_PRIORITIES, type TicketPriority, type TicketStatus } from "../shared/enums";
import { type Audience, type ComposingKind, PRESENCE_VIEWERS_SHOWN, type PresenceViewer, rooms, type TicketEventData, type TicketEventType } from "../shared/realtime";
import type { Permissions, RoleEffects } from "../shared/permissions";
import { NOTIFICATION_KINDS, type NotificationKind } from "../shared/notifications";
import type { EmailSettingsDTO, MailKind } from "../shared/mail";
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
 * - Only staff change status, priority and assignee; a requester may close
 *   and reopen their own ticket (CLOSED <-> OPEN only, see statusChangeAllowed).
 * - Only admins list, create and change users (name, role, active, password,
 *   invite links), change the install's settings and read the audit log;
 *   everyone may change their own name and password and end their own other
 *   sessions.
 * - Tags are staff-only, like internal notes: only staff see, add, remove or
 *   filter by them, and a tags change is an internal event (see
 *   isInternalEvent), so a requester never learns a ticket was labelled.
 * - Canned replies are staff-only. Anyone on staff keeps personal ones (only
 *   they see them); shared ones are seen by all staff and written by admins
 *   only: a shared reply goes out under every agent's name, so changing what
 *   the whole team sends is an admin decision, like the install's settings.
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
  | "user:list"
  | "user:create"
  | "user:update"
  | "user:password:reset"
  | "user:invite"
  | "settings:update"
  | "audit:read"
  | "account:update:own"
  | "ticket:update:close"
  | "realtime:inspect"
  | "mail:inspect"
  | "session:revoke:own"
  | "presence:list"
  | "canned:use"
  | "canned:shared:manage"
  | "ticket:tag";

export function can(actor: Actor, action: Action, ticket?: TicketRef): boolean {
  const staff = isStaffRole(actor.role);
  const own = ticket !== undefined && ticket.requesterId === actor.id;
  switch (action) {
    case "ticket:create":
    case "session:revoke:own":
    case "account:update:own":
      return true;
    case "user:list":
    case "user:create":
    case "user:update":
    case "user:password:reset":
    case "user:invite":
    case "settings:update":
    case "audit:read":
    case "realtime:inspect":
    case "mail:inspect":
    case "canned:shared:manage":
      return actor.role === "ADMIN";
    case "ticket:list:all":
    case "ticket:update:workflow":
    case "comment:internal:read":
    case "comment:internal:create":
    case "user:list:staff":
    case "presence:list":
    case "canned:use":
    case "ticket:tag":
      return staff;
    case "ticket:read":
    case "ticket:update:title":
    case "ticket:update:close":
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

/** Internal events (internal notes, tags changes) are for staff only. */
export function isInternalEvent<T extends TicketEventType>(event: { type: T; data: TicketEventData[T] }): boolean {
  if (event.type === "comment:added") return (event.data as TicketEventData["comment:added"]).comment.internal;
  if (event.type === "ticket:updated") return (event.data as TicketEventData["ticket:updated"]).changes.tags !== undefined;
  return false;
}

/**
 * Whether an audience sees tickets' tags: the staff audience, which is exactly
 * those who may `ticket:tag` (policy.test.ts checks the two agree for every
 * role), the same audience that hears internal events such as a tags change.
 */
export function seesTags(audience: Audience): boolean {
  return audience === "staff";
}

/** Tags filters are refused to those who may not see tags (the result would reveal them). */
export function authorizeTagFilter(actor: Actor, tag: string | undefined): void {
  if (tag !== undefined) authorize(actor, "ticket:tag");
}

/**
 * Which numbering of a ticket's events an actor sees. Staff see every event,
 * numbered by `seq`. Everyone else sees only the events they may read,
 * numbered on their own by `publicSeq`, so their sequence is gap-free and an
 * internal note moves no number they can read (issue 7: nothing inferable).
 * Derived from `comment:internal:read` so the two can never disagree.
 */
export type { Audience };

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
 * - Comments: the sockets that joined the ticket, per audience, and the
 *   sockets showing ticket lists in that audience (`listsRoom`), whose rows
 *   move and turn unread.
 * - Attachments: the sockets that joined the ticket, per audience.
 */
export function deliveriesOf(event: RecordedTicketEvent, requesterId: string): Delivery[] {
  const audiences: Audience[] = event.publicSeq === null ? ["staff"] : ["staff", "requester"];
  return audiences.map((audience) => {
    switch (event.type) {
      case "ticket:created":
      case "ticket:updated":
        return audience === "staff"
          ? { audience, to: [rooms.staff], except: [] }
          : { audience, to: [rooms.user(event.data.ticket.requester.id)], except: [rooms.staff] };
      case "comment:added":
        // One emit per audience: a socket in both of its audience's rooms gets it once.
        return {
          audience,
          to: [rooms.ticketAudience(event.ticketId, audience), audience === "staff" ? rooms.staffLists : rooms.userLists(requesterId)],
          except: [],
        };
      case "attachment:added":
        return { audience, to: [rooms.ticketAudience(event.ticketId, audience)], except: [] };
    }
  });
}

/**
 * Whether `actor` has activity to see on `ticket`: someone else's event in
 * the actor's numbering is newer than what they have read. Their own events
 * never make a row unread, and never hide others' before them either: after
 * the actor's own change (a tag, a bulk priority) the newest event by
 * someone else is `lastOther…Seq`. In the actor's numbering, so a
 * requester's row never turns unread for an internal note (the note moves
 * neither their counters nor their last actor).
 */
export function isUnreadFor(
  actor: Actor,
  ticket: {
    lastSeq: number;
    lastPublicSeq: number;
    lastActorId: string | null;
    lastPublicActorId: string | null;
    lastOtherSeq: number;
    lastOtherPublicSeq: number;
  },
  readSeq: number,
): boolean {
  const staff = audienceOf(actor) === "staff";
  const lastActor = staff ? ticket.lastActorId : ticket.lastPublicActorId;
  const newestByOthers = lastActor === actor.id ? (staff ? ticket.lastOtherSeq : ticket.lastOtherPublicSeq) : staff ? ticket.lastSeq : ticket.lastPublicSeq;
  return newestByOthers > readSeq;
}

/**
 * The statuses a reply by the ticket's requester takes back to Open: Waiting
 * (they answered what the team waited for), and Resolved and Closed (their
 * "it is still broken" must land in an open queue: left as it was, no open
 * view showed it and, unassigned, nobody was told; Zendesk and FreeScout
 * reopen too).
 */
export const REOPENED_BY_REQUESTER_REPLY: readonly TicketStatus[] = ["WAITING", "RESOLVED", "CLOSED"];

/** A reply by the ticket's requester (not staff acting on their own ticket) to a Waiting, Resolved or Closed ticket reopens it. */
export function reopensOnReply(actor: Actor, ticket: TicketRef & { status: string }): boolean {
  return (REOPENED_BY_REQUESTER_REPLY as readonly string[]).includes(ticket.status) && ticket.requesterId === actor.id && audienceOf(actor) === "requester";
}

/**
 * The condition on a ticket's row under which `actor` may add a reply
 * (`internal`: a note) that reopens nothing, for the reply's one statement
 * to check as it writes (src/server/comments/add-comment.ts), so a reply
 * needs no read of the ticket first: `requesterId` non-null means the row's
 * requester must be that, `notReopening` that its status must not be one a
 * requester's reply reopens (REOPENED_BY_REQUESTER_REPLY).
 * Null when the actor may not write this at all, whatever the ticket (the
 * caller then loads the ticket and asks `authorize` for the right refusal).
 * It is the same rule as `can(actor, "comment:create", ticket)` (and
 * `comment:internal:create` for a note) without `reopensOnReply`, derived
 * from them and held to them by a test over every case (policy.test.ts).
 */
export function plainReplyCondition(actor: Actor, internal: boolean): { requesterId: string | null; notReopening: boolean } | null {
  if (internal && !can(actor, "comment:internal:create")) return null;
  // Another's ticket: only those who may reply to any ticket.
  const anyTicket = can(actor, "comment:create", { requesterId: "" });
  return {
    requesterId: anyTicket ? null : actor.id,
    // Only a requester's own reply reopens (reopensOnReply).
    notReopening: audienceOf(actor) === "requester",
  };
}

/**
 * The room of sockets showing `actor`'s ticket lists. Staff share one (they
 * see every ticket); a requester's is their own, which a staff member never
 * joins, so nobody gets a comment in both numberings.
 */
export function listsRoom(actor: Actor): string {
  return audienceOf(actor) === "staff" ? rooms.staffLists : rooms.userLists(actor.id);
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
 * Whether a viewer's change of state (typing intent, idle) may change the
 * requester's view above: requesters see staff only, and of their state only
 * who writes a reply. The presence hub sends the requester's view again only
 * then; sent at every change, the same view again told a requester when staff
 * began and finished an internal note, or went idle.
 */
export function presenceChangeShownToRequester(role: Role, composingBefore: ComposingKind | null, composingAfter: ComposingKind | null): boolean {
  return isStaffRole(role) && (composingBefore === "reply") !== (composingAfter === "reply");
}

/**
 * The staff view without typing intent, for ticket lists: it changes only
 * when someone arrives, leaves or goes idle, so typing does not reach every
 * staff socket.
 */
export function presenceSummaryOf(entries: readonly PresenceEntry[]): PresenceViewer[] {
  return presenceViewFor("staff", entries).map(({ composing: _composing, ...viewer }) => viewer);
}

/**
 * The viewers a presence message lists, out of an audience's view (sorted by
 * name): at most `max`, and how many there are in all. Anyone writing comes
 * first (so "… is writing a reply" is never cut), then staff, then the rest,
 * each group in name order, and the kept ones stay in name order. Name order
 * rather than "most recent" keeps the list still while a crowd comes and goes.
 */
export function presenceCap(viewers: readonly PresenceViewer[], max = PRESENCE_VIEWERS_SHOWN): { viewers: PresenceViewer[]; total: number } {
  if (viewers.length <= max) return { viewers: [...viewers], total: viewers.length };
  // Requesters' views carry no role: everyone in them is staff.
  const rank = (v: PresenceViewer) => (v.composing ? 0 : v.role === undefined || isStaffRole(v.role) ? 1 : 2);
  const kept = viewers
    .map((viewer, index) => ({ viewer, index, rank: rank(viewer) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .slice(0, max)
    .sort((a, b) => a.index - b.index);
  return { viewers: kept.map((k) => k.viewer), total: viewers.length };
}

/**
 * Who hears a ticket's presence, per audience (each gets its own view), and
 * where ticket lists hear the summary: the staff sockets showing a ticket
 * list (`lists:watch`), not every staff socket. Sent to the whole staff room,
 * every join anywhere reached every agent's every tab: 10,000 joins took 51 s
 * on one process and 349 s on two (issue 11's benchmark), most of it writing
 * summaries to sockets that showed no list.
 */
export function presenceRooms(ticketId: string): { staff: string; requester: string; summary: string } {
  return { staff: rooms.ticketAudience(ticketId, "staff"), requester: rooms.ticketAudience(ticketId, "requester"), summary: rooms.staffLists };
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

/**
 * Whether `actor`'s searches read internal notes: match on them, rank by them,
 * quote them in snippets and correct typos from their words. Derived from
 * `comment:internal:read`, so search can never show a requester what the
 * ticket page would not (src/server/tickets/search-tickets.ts).
 */
export function searchesInternalNotes(actor: Actor): boolean {
  return can(actor, "comment:internal:read");
}

/** Who may be assigned tickets: active agents and admins (as a query condition, and as a check). */
export const ASSIGNABLE = { active: true, role: { in: ["AGENT", "ADMIN"] as Role[] } };
export function mayBeAssigned(user: { role: Role; active: boolean }): boolean {
  return user.active && ASSIGNABLE.role.in.includes(user.role);
}

/**
 * Who may be @mentioned: active agents and admins, the people a ticket can
 * be assigned to. A requester is never mentionable, so a note can never
 * notify one (and the staff list that carries handles is staff-only).
 */
export const MENTIONABLE = ASSIGNABLE;
export function mayBeMentioned(user: { role: Role; active: boolean }): boolean {
  return mayBeAssigned(user);
}

/**
 * Which notification kinds apply to `actor` (and so which switches the
 * settings form shows): staff get every kind; everyone else only replies on
 * their own tickets (they are never assigned, mentioned or shown new tickets).
 */
export function notificationKindsFor(actor: Actor): NotificationKind[] {
  return can(actor, "ticket:list:all") ? [...NOTIFICATION_KINDS] : ["reply"];
}

/**
 * Which email kinds apply to `actor` (the switches the form shows, and what a
 * queued mail is still sent for): requesters hear of replies on and the
 * resolution of their own tickets; staff of mentions, assignments and replies
 * on tickets assigned to them. Mentions may quote an internal note, so they
 * are staff-only: a queued one is dropped if its user stops being staff.
 */
export function mailKindsFor(actor: Actor): MailKind[] {
  return can(actor, "ticket:list:all") ? ["mention", "assigned", "reply"] : ["reply", "resolved"];
}

/**
 * What `actor` gets by email for a kind they never switched. A requester has
 * no other way to hear of a reply while away from the app, so theirs are on;
 * staff work in the app all day, so theirs are opt-in.
 */
export function defaultEmailSettingsFor(actor: Actor): EmailSettingsDTO {
  const requester = audienceOf(actor) === "requester";
  return { reply: requester, resolved: requester, assigned: false, mention: false };
}

/**
 * Whether `user` may be notified of an event on `ticket` at all, whatever
 * the kind: an active user who may read the ticket, and, for an event from
 * an internal note, may read internal notes. So a requester is never told
 * anything an internal note said or that one exists.
 */
export function mayBeNotifiedOf(user: Actor & { active: boolean }, event: { internal: boolean }, ticket: TicketRef): boolean {
  if (!user.active || !can(user, "ticket:read", ticket)) return false;
  return !event.internal || can(user, "comment:internal:read", ticket);
}

/**
 * The notifications `actor` may list, as a query condition: their own, on
 * tickets they may still read, and from internal notes only while they may
 * read those (a staff member who became a requester keeps no trace of notes).
 */
export function notificationScope(actor: Actor): { userId: string; internal?: false; ticket: { requesterId?: string } } {
  return {
    userId: actor.id,
    ticket: ticketScope(actor),
    ...(can(actor, "comment:internal:read") ? {} : { internal: false as const }),
  };
}

/**
 * The canned replies `actor` may see, as a query condition: shared ones and
 * their own personal ones; nothing for non-staff.
 */
export function cannedReplyScope(actor: Actor): { OR: Array<{ ownerId: string | null }> } {
  authorize(actor, "canned:use");
  return { OR: [{ ownerId: null }, { ownerId: actor.id }] };
}

/** Whether `actor` may see a canned reply (others' personal replies are reported as not found). */
export function maySeeCannedReply(actor: Actor, reply: { ownerId: string | null }): boolean {
  return can(actor, "canned:use") && (reply.ownerId === null || reply.ownerId === actor.id);
}

/** Whether `actor` may edit or delete a canned reply they can see: their own, or a shared one if they manage those. */
export function mayEditCannedReply(actor: Actor, reply: { ownerId: string | null }): boolean {
  if (!maySeeCannedReply(actor, reply)) return false;
  return reply.ownerId === null ? can(actor, "canned:shared:manage") : true;
}

/**
 * Who hears that a canned reply changed: every staff socket for a shared one
 * (all staff may use it), only its owner's sockets for a personal one
 * (nobody else may see it). Requesters are in neither room (roomsOnConnect),
 * and only staff own personal replies.
 */
export function cannedReplyAudience(reply: { ownerId: string | null }): { staff: true } | { userId: string } {
  return reply.ownerId === null ? { staff: true } : { userId: reply.ownerId };
}

/** Active admins, as a query condition: there must always be one (the last-admin guard). */
export const ACTIVE_ADMINS = { active: true, role: "ADMIN" as Role };
/** Whether applying `change` to `user` removes an active admin. */
export function losesAdmin(user: { role: Role; active: boolean }, change: { role?: Role; active?: boolean }): boolean {
  return user.role === "ADMIN" && user.active && ((change.role !== undefined && change.role !== "ADMIN") || change.active === false);
}

/**
 * Whether `actor` may move `ticket` from its status to `to`. Staff may set
 * any status. The ticket's requester may only close it (from any status) and
 * reopen it once closed (CLOSED -> OPEN): the other statuses describe the
 * staff's work on it, which is not theirs to set.
 */
export function statusChangeAllowed(actor: Actor, ticket: TicketRef & { status: TicketStatus }, to: TicketStatus): boolean {
  if (can(actor, "ticket:update:workflow", ticket)) return true;
  if (!can(actor, "ticket:update:close", ticket)) return false;
  return (to === "CLOSED" && ticket.status !== "CLOSED") || (to === "OPEN" && ticket.status === "CLOSED");
}

/** The status a requester's one button moves their ticket to: reopen a closed one, close any other. */
export const ownStatusToggle = closeOrReopen;

/**
 * The priorities `actor` may give a new ticket: staff any, everyone else only
 * those the admin allowed (Settings.requesterPriorities), so an urgent queue
 * cannot be flooded by requesters.
 */
export function creatablePriorities(actor: Actor, settings: { requesterPriorities: readonly TicketPriority[] }): TicketPriority[] {
  if (can(actor, "ticket:update:workflow")) return [...TICKET_PRIORITIES];
  return TICKET_PRIORITIES.filter((p) => settings.requesterPriorities.includes(p));
}

/** The priority of a new ticket whose creator chose none: MEDIUM when allowed, else the lowest allowed. */
export function defaultPriority(allowed: readonly TicketPriority[]): TicketPriority {
  return allowed.includes("MEDIUM") ? "MEDIUM" : (allowed[0] ?? "MEDIUM");
}

/** Self sign-up creates requesters only, and only while an admin has it switched on. */
export const SIGNUP_ROLE: Role = "REQUESTER";
export function maySignUp(settings: { signupEnabled: boolean }): boolean {
  return settings.signupEnabled;
}

/** What `actor` may do, for the UI (see src/shared/permissions.ts). */
export function permissionsOf(actor: Actor): Permissions {
  return {
    seeAllTickets: can(actor, "ticket:list:all"),
    changeWorkflow: can(actor, "ticket:update:workflow"),
    writeInternal: can(actor, "comment:internal:create"),
    manageUsers: can(actor, "user:update"),
    manageSettings: can(actor, "settings:update"),
    readAudit: can(actor, "audit:read"),
    closeOwnTickets: can(actor, "ticket:update:close", { requesterId: actor.id }),
    inspectRealtime: can(actor, "realtime:inspect"),
    inspectMail: can(actor, "mail:inspect"),
    useCannedReplies: can(actor, "canned:use"),
    manageSharedCannedReplies: can(actor, "canned:shared:manage"),
    tagTickets: can(actor, "ticket:tag"),
  };
}

/**
 * What having `role` means, for the admin page to say before a role change
 * is saved (the page compares the old role's with the new one's).
 */
export function roleEffectsOf(role: Role): RoleEffects {
  const actor = { id: "", role };
  return {
    seeAllTickets: can(actor, "ticket:list:all"),
    readInternal: can(actor, "comment:internal:read"),
    administer: can(actor, "user:update"),
    assignable: mayBeAssigned({ role, active: true }),
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
