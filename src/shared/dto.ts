/** JSON shapes the API returns and realtime events carry. Dates are ISO strings. */
import type { Role, TicketPriority, TicketStatus } from "./enums";
import type { NotificationKind } from "./notifications";

export type UserRef = { id: string; name: string };

/**
 * A staff member as staff see them (GET /api/users/staff): `handle` is the
 * email's local part, lower-cased, which is how they are @mentioned.
 */
export type StaffRef = UserRef & { handle: string };

export type SessionUser = UserRef & { email: string; role: Role };

/** A user as administrators see them. */
export type UserDTO = SessionUser & { active: boolean };

export type TicketDTO = {
  id: string;
  number: number;
  title: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority;
  requester: UserRef;
  assignee: UserRef | null;
  /**
   * Author of the newest public comment (never an internal note's). Absent
   * from ticket snapshots inside events: a list keeps the one it has.
   */
  lastReplier?: UserRef | null;
  /**
   * Tags, sorted by name. Staff only: absent for requesters everywhere
   * (reads, lists, event snapshots), and absent from snapshots inside events
   * recorded before tags existed (a client keeps the ones it has).
   */
  tags?: string[];
  /**
   * The reader has not seen this ticket's newest activity (someone else's,
   * after their last read). Per reader, so only in lists and single reads,
   * never inside events.
   */
  unread?: boolean;
  version: number;
  /** seq of the newest event of this ticket when this snapshot was taken, in the reader's numbering (see TicketEventEnvelope.seq). */
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
  /** Present in search results only (GET /api/tickets?q=): why and how well this ticket matched. */
  search?: TicketSearchHit;
};

/**
 * A piece of a search snippet: `hit` pieces are the words that matched. The
 * client renders them as text (React escapes it), never as HTML.
 */
export type SnippetSegment = { text: string; hit: boolean };

/** Where a snippet comes from. "note" only ever reaches staff. */
export type SearchField = "title" | "description" | "comment" | "note" | "requester" | "number" | "tag";

export type TicketSearchHit = {
  /** Relevance: higher is better; results of a relevance-sorted search are in descending rank. */
  rank: number;
  field: SearchField;
  snippet: SnippetSegment[];
};

export type CommentDTO = {
  id: string;
  ticketId: string;
  body: string;
  internal: boolean;
  author: UserRef & { role: Role };
  createdAt: string;
  /** Files sent with this comment (absent on comments from before files could be). */
  attachments?: AttachmentDTO[];
};

export type AttachmentDTO = {
  id: string;
  ticketId: string;
  originalName: string;
  /** Bytes, as received; a download sends exactly this many or fails. */
  size: number;
  /**
   * Hex SHA-256 of the bytes, computed at upload. Null for files uploaded
   * before hashes were kept (until a download hashes them); absent from events
   * recorded before then.
   */
  sha256?: string | null;
  contentType: string;
  uploader: UserRef;
  createdAt: string;
  /** Download URL, subject to the same policy as the ticket. */
  url: string;
  /** The comment it was sent with; null or absent for a file added to the ticket itself. */
  commentId?: string | null;
  /** A file of an internal note: staff only, like the note. */
  internal?: boolean;
};

export type TicketChanges = Partial<{
  status: { from: TicketStatus; to: TicketStatus };
  priority: { from: TicketPriority; to: TicketPriority };
  assignee: { from: UserRef | null; to: UserRef | null };
  title: { from: string; to: string };
  /** Only in a tags event (staff only): what this change added and removed. */
  tags: { added: string[]; removed: string[] };
}>;

/** A tag in use (GET /api/tags): its name and how many tickets carry it. */
export type TagDTO = { name: string; count: number };

/** One in-app notification of the signed-in user (GET /api/notifications, `notification:new`). */
export type NotificationDTO = {
  id: string;
  kind: NotificationKind;
  ticket: { id: string; number: number; title: string };
  /** Who did it. */
  actor: UserRef;
  /** ISO time of the event. */
  createdAt: string;
  /** ISO time it was marked as read, null while unread. */
  readAt: string | null;
};

export type { ApiErrorBody } from "./errors";

export type Page<T> = { items: T[]; nextCursor: string | null };

/** A canned reply as staff see it (its text unexpanded). */
export type CannedReplyDTO = {
  id: string;
  title: string;
  body: string;
  /** Shared with every staff member; otherwise the viewer's own personal reply. */
  shared: boolean;
  /** Whether the viewer may edit and delete it (the policy's answer, for the UI). */
  canEdit: boolean;
  updatedAt: string;
};
