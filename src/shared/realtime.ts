/**
 * The one realtime contract shared by the Socket.IO server and its clients.
 * Event names are `entity:action`. Types are not validation: the server
 * zod-parses every client payload with the schemas below.
 */
import { z } from "zod";
import { ZId } from "./schemas/text";
import type { AttachmentDTO, CommentDTO, NotificationDTO, TicketChanges, TicketDTO, UserRef } from "./dto";
import type { Role } from "./enums";
import type { ErrorInfo } from "./errors";

/** Every server event: one durable TicketEvent, numbered per ticket. */
export type TicketEventEnvelope<TType extends TicketEventType = TicketEventType> = {
  ticketId: string;
  /**
   * The ticket's event number, written in the same transaction as the change,
   * in the receiver's numbering: staff number every event; requesters number
   * only the events they may see, so their sequence has no gaps either.
   */
  seq: number;
  /** ISO time of the change. */
  at: string;
  actor: UserRef;
  type: TType;
  data: TicketEventData[TType];
};

export type TicketEventData = {
  "ticket:created": { ticket: TicketDTO };
  "ticket:updated": { ticket: TicketDTO; changes: TicketChanges };
  "comment:added": { comment: CommentDTO };
  "attachment:added": { attachment: AttachmentDTO };
};

export type TicketEventType = keyof TicketEventData;
export const TICKET_EVENT_TYPES = [
  "ticket:created",
  "ticket:updated",
  "comment:added",
  "attachment:added",
] as const satisfies readonly TicketEventType[];

export type AnyTicketEvent = { [K in TicketEventType]: TicketEventEnvelope<K> }[TicketEventType];

export type Ack<T extends object = object> =
  | ({ ok: true } & T)
  | { ok: false; error: ErrorInfo };

/**
 * Whose numbering a ticket's events are in: staff number every event, a
 * requester only what they may see (src/server/policy.ts, `audienceOf`).
 */
export const ZAudience = z.enum(["staff", "requester"]);
export type Audience = z.infer<typeof ZAudience>;

export const ZTicketJoin = z.object({
  ticketId: ZId,
  /** Last seq (in the user's numbering) the client has applied; events after it are returned in the ack. */
  sinceSeq: z.number().int().min(0).optional(),
  /**
   * The numbering `sinceSeq` is in: the user's audience when the page loaded.
   * When it is no longer theirs (a role change), the join answers
   * AUDIENCE_CHANGED instead of reading one numbering's seq in the other.
   */
  audience: ZAudience.optional(),
});
export type TTicketJoin = z.infer<typeof ZTicketJoin>;

export const ZTicketLeave = z.object({ ticketId: ZId });
export type TTicketLeave = z.infer<typeof ZTicketLeave>;

export type TicketJoinAck = Ack<{ seq: number; missed: AnyTicketEvent[] }>;

/**
 * The admin realtime probe (not a ticket event): the server times a database
 * round trip and a Redis PING, then sends `admin:probe:echo` to the admin's
 * own user room through the adapter, so the echo crosses the same path as
 * everything sent to a room. Each leg is milliseconds, or why it failed.
 */
export const ZProbe = z.object({ probeId: z.string().min(8).max(64) });
export type ProbeLeg = { ms: number } | { error: string } | { disabled: true };
export type ProbeAck = Ack<{ pid: number; legs: { database: ProbeLeg; redis: ProbeLeg } }>;
export type ProbeEcho = { probeId: string; pid: number };

/**
 * Notifications (not ticket events): sent to one user's room, `user:{id}`,
 * through the adapter, so every tab of that user on every process hears them.
 *
 * - `notification:new`: one the notifications processor just wrote for this
 *   user (only rows it actually inserted: a retried batch sends nothing twice).
 * - `notification:read`: this user marked some (`ids`) or every one (`"all"`)
 *   as read, in any tab; `unread` is their unread count right after.
 *
 * Neither is replayed: a client that was disconnected re-reads
 * GET /api/notifications after it reconnects.
 */
/** `upTo` (with "all"): only those created at or before this ISO time were marked. */
export type NotificationReadEvent = { ids: string[] | "all"; unread: number; upTo?: string };

/**
 * Private messages to one user's sockets (their user room), not ticket
 * events: they follow the user across tabs and devices and are not replayed.
 */
export type DraftSaved = {
  ticketId: string;
  body: string;
  internal: boolean;
  updatedAt: string;
  /** The tab that saved it (it ignores its own echo); null when the server cleared it (sent). */
  clientId: string | null;
  /**
   * Cleared because this text was sent: a tab clears its box only if it
   * still holds that text, so whatever was typed since (in the sending tab,
   * right after sending) is never wiped by the late echo.
   */
  sent?: string;
};
export type UserRoomEvents = {
  /** The user's reply-box draft on a ticket changed (empty body: cleared). */
  "draft:saved": DraftSaved;
  /** The user has read a ticket up to `seq` (their numbering): lists clear its unread mark. */
  "ticket:read": { ticketId: string; seq: number };
  "notification:new": NotificationDTO;
  "notification:read": NotificationReadEvent;
  /** One of the user's personal canned replies changed (in another tab, or this one). */
  "canned:changed": CannedChanged;
  /**
   * The user saved or removed one of their views (in any tab): open lists
   * re-read GET /api/views. A signal only; saved views are their owner's alone.
   */
  "views:changed": ViewsChanged;
};

export type ViewsChanged = { id: string; change: "created" | "deleted" };

/**
 * A canned reply was created, edited or deleted (not a ticket event). A
 * shared one is announced to the staff room, so every staff member's open
 * pickers and management pages follow it; a personal one only to its
 * owner's room, `user:{id}`, so it follows the owner's other tabs and
 * reaches nobody else (src/server/policy.ts, cannedReplyAudience). Requesters
 * are in neither room.
 *
 * A signal, not the reply: the receiver re-reads GET /api/canned-replies,
 * whose answer is the policy's for them (what they see, and `canEdit`).
 * Sent after the commit through the adapter (every process with REDIS_URL);
 * not replayed, so clients also re-read after every reconnect.
 */
export type CannedChanged = { id: string; change: "created" | "updated" | "deleted"; shared: boolean };

/** Messages to every staff socket (the `staff` room) that are not ticket events. */
export type StaffRoomEvents = {
  "canned:changed": CannedChanged;
};

/**
 * Presence and typing intent: ephemeral, never ticket events (no seq, not in
 * the event log). Kept in memory or in Redis with expiry; a socket that
 * joined a ticket (`ticket:join`) is a viewer of it until it leaves or
 * disconnects. What each audience may see is decided in src/server/policy.ts.
 */
export const COMPOSING_KINDS = ["reply", "note"] as const;
export type ComposingKind = (typeof COMPOSING_KINDS)[number];

/**
 * One person on a ticket, deduplicated per user (two tabs are one viewer:
 * idle only if every tab is idle, composing if any tab is). `role` and `idle`
 * reach staff only; requesters see staff viewers and "reply" intent only.
 */
export type PresenceViewer = {
  userId: string;
  name: string;
  role?: Role;
  idle?: boolean;
  composing?: ComposingKind;
};

/** The most tickets one `presence:list` may ask about (a page of the ticket list). */
export const PRESENCE_LIST_MAX = 100;

/**
 * The client's state on one joined ticket. Omitted fields keep their value;
 * `composing` is a beat (send at most every few seconds while typing; the
 * server forgets it ~12 s after the last one) and `null` stops it.
 */
export const ZPresenceUpdate = z.object({
  ticketId: ZId,
  idle: z.boolean().optional(),
  composing: z.enum(COMPOSING_KINDS).nullable().optional(),
});
export type TPresenceUpdate = z.infer<typeof ZPresenceUpdate>;

export const ZPresenceList = z.object({ ticketIds: z.array(ZId).max(PRESENCE_LIST_MAX) });
export type TPresenceList = z.infer<typeof ZPresenceList>;

/**
 * The most viewers one presence message lists. A message goes to every socket
 * of a ticket's room, so an uncapped list made presence cost grow with the
 * square of the room's size; `total` still counts everyone (the UI says
 * "and N more"). Who is listed first: see presenceCap in src/server/policy.ts.
 */
export const PRESENCE_VIEWERS_SHOWN = 20;

/**
 * Viewers per asked ticket id, at most PRESENCE_VIEWERS_SHOWN each (tickets
 * nobody views map to []), and how many there are in all. Staff only.
 */
export type PresenceListAck = Ack<{ viewers: Record<string, PresenceViewer[]>; totals: Record<string, number> }>;

/**
 * Who is on one ticket, in the receiver's audience view; replaces the
 * previous one. `viewers` lists at most PRESENCE_VIEWERS_SHOWN of them
 * (anyone writing comes first), `total` counts them all (the receiver
 * included, when their audience sees them).
 */
export type PresenceTicket = { ticketId: string; viewers: PresenceViewer[]; total: number };

export interface ServerToClientEvents {
  "draft:saved": (draft: DraftSaved) => void;
  "ticket:read": (read: UserRoomEvents["ticket:read"]) => void;
  "ticket:created": (event: TicketEventEnvelope<"ticket:created">) => void;
  "ticket:updated": (event: TicketEventEnvelope<"ticket:updated">) => void;
  "comment:added": (event: TicketEventEnvelope<"comment:added">) => void;
  "attachment:added": (event: TicketEventEnvelope<"attachment:added">) => void;
  "admin:probe:echo": (echo: ProbeEcho) => void;
  "notification:new": (notification: NotificationDTO) => void;
  "notification:read": (event: NotificationReadEvent) => void;
  /** Staff room (shared) or the owner's user room (personal) only. */
  "canned:changed": (event: CannedChanged) => void;
  "views:changed": (event: ViewsChanged) => void;
  /** The viewers of a ticket this socket joined, at every change. */
  "presence:ticket": (presence: PresenceTicket) => void;
  /** Staff room only, for ticket lists: a ticket's viewers changed (who, or idle; never typing intent). */
  "presence:summary": (presence: PresenceTicket) => void;
  /**
   * Sent by each process to its own sockets when its link to the others
   * (Redis) is back after an outage: the user-room messages above (bell,
   * drafts, read marks, canned replies, views) sent meanwhile by another
   * process never came and are not replayed, and the socket itself never
   * dropped, so nothing else would make the page read them again. The
   * client does what it does after a reconnect.
   */
  "realtime:resync": (payload: Record<string, never>) => void;
}

export interface ClientToServerEvents {
  "ticket:join": (payload: TTicketJoin, ack: (result: TicketJoinAck) => void) => void;
  "ticket:leave": (payload: TTicketLeave, ack?: (result: Ack) => void) => void;
  /** This socket shows ticket lists: send it comments too (see rooms.staffLists). */
  "lists:watch": (payload: Record<string, never>, ack?: (result: Ack) => void) => void;
  "lists:unwatch": (payload: Record<string, never>, ack?: (result: Ack) => void) => void;
  "admin:probe": (payload: { probeId: string }, ack: (result: ProbeAck) => void) => void;
  /**
   * Beats are fire-and-forget (the browser sends no ack) and excess ones are
   * dropped quietly; an ack, if given, is answered like any other.
   */
  "presence:update": (payload: TPresenceUpdate, ack?: (result: Ack) => void) => void;
  "presence:list": (payload: TPresenceList, ack: (result: PresenceListAck) => void) => void;
}

export type SocketData = {
  user: { id: string; name: string; role: Role };
};

/** Room names; only the server joins sockets to rooms. */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  staff: "staff",
  /**
   * Sockets following one ticket, one room per audience (each gets events in
   * its own seq numbering; only the staff room hears internal notes). Which
   * socket joins which is decided in src/server/policy.ts.
   */
  ticketAudience: (ticketId: string, audience: "staff" | "requester") => `ticket:${ticketId}:${audience}`,
  /**
   * Sockets showing ticket lists (they sent `lists:watch`): comments reach
   * them so rows move and turn unread. Staff share one; each requester has
   * their own. Other sockets are spared every comment on every ticket.
   */
  staffLists: "lists:staff",
  userLists: (userId: string) => `lists:user:${userId}`,
} as const;
