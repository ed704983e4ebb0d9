import "server-only";
import type { Prisma } from "../generated/prisma/client";
import type { AttachmentDTO, CommentDTO, NotificationDTO, TicketDTO } from "../shared/dto";
import type { NotificationKind } from "../shared/notifications";
import type { Role, TicketPriority, TicketStatus } from "../shared/enums";
import { lastSeqFor } from "./events/view-event";
import { type Audience, seesTags } from "./policy";

const userRef = { select: { id: true, name: true } } as const;

/** A ticket's tags, by name (toTicketDTO shows them to staff only). */
const tagsInclude = { select: { tag: { select: { name: true } } }, orderBy: { tag: { name: "asc" } } } as const;

/** A ticket's people, without its tags: enough to check access (loadTicketFor). */
export const ticketRefInclude = { requester: userRef, assignee: userRef } as const;
/** Prisma `include` that loads what toTicketDTO needs. */
export const ticketInclude = { ...ticketRefInclude, tags: tagsInclude } as const;
/** For lists, which also show who replied last (single reads and event snapshots do not carry it). */
export const ticketListInclude = { ...ticketInclude, lastReplier: userRef } as const;
export const attachmentInclude = { uploader: userRef } as const;
export const commentInclude = {
  author: { select: { id: true, name: true, role: true } },
  attachments: { include: attachmentInclude, orderBy: [{ createdAt: "asc" }, { id: "asc" }] as Prisma.AttachmentOrderByWithRelationInput[] },
} as const;

type Ref = { id: string; name: string };

/**
 * A ticket as `audience` sees it: `lastSeq` is in that audience's numbering
 * (requesters never see the staff counter, which internal notes move).
 */
export function toTicketDTO(
  t: {
    id: string;
    number: number;
    title: string;
    description: string;
    status: TicketStatus;
    priority: TicketPriority;
    requester: Ref;
    assignee: Ref | null;
    /** Absent where the caller did not load it (the DTO then says nothing either). */
    lastReplier?: Ref | null;
    /** Absent where the caller did not load them; shown to staff only. */
    tags?: { tag: { name: string } }[];
    version: number;
    lastSeq: number;
    lastPublicSeq: number;
    createdAt: Date;
    updatedAt: Date;
  },
  audience: Audience,
): TicketDTO {
  return {
    id: t.id,
    number: t.number,
    title: t.title,
    description: t.description,
    status: t.status,
    priority: t.priority,
    requester: { id: t.requester.id, name: t.requester.name },
    assignee: t.assignee ? { id: t.assignee.id, name: t.assignee.name } : null,
    ...(t.lastReplier !== undefined ? { lastReplier: t.lastReplier ? { id: t.lastReplier.id, name: t.lastReplier.name } : null } : {}),
    ...(t.tags && seesTags(audience) ? { tags: t.tags.map((x) => x.tag.name) } : {}),
    version: t.version,
    lastSeq: lastSeqFor(t, audience),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

export function toCommentDTO(c: {
  id: string;
  ticketId: string;
  body: string;
  internal: boolean;
  author: Ref & { role: Role };
  createdAt: Date;
  attachments?: Parameters<typeof toAttachmentDTO>[0][];
}): CommentDTO {
  return {
    id: c.id,
    ticketId: c.ticketId,
    body: c.body,
    internal: c.internal,
    author: { id: c.author.id, name: c.author.name, role: c.author.role },
    createdAt: c.createdAt.toISOString(),
    ...(c.attachments?.length ? { attachments: c.attachments.map(toAttachmentDTO) } : {}),
  };
}

export function toAttachmentDTO(a: {
  id: string;
  ticketId: string;
  originalName: string;
  size: number;
  sha256: string | null;
  contentType: string;
  uploader: Ref;
  createdAt: Date;
  commentId?: string | null;
  internal?: boolean;
}): AttachmentDTO {
  return {
    id: a.id,
    ticketId: a.ticketId,
    originalName: a.originalName,
    size: a.size,
    sha256: a.sha256,
    contentType: a.contentType,
    uploader: { id: a.uploader.id, name: a.uploader.name },
    createdAt: a.createdAt.toISOString(),
    url: `/api/attachments/${a.id}`,
    ...(a.commentId ? { commentId: a.commentId } : {}),
    ...(a.internal ? { internal: true } : {}),
  };
}

/** Prisma `include` that loads what toNotificationDTO needs. */
export const notificationInclude = { ticket: { select: { id: true, number: true, title: true } }, actor: userRef } as const;

export function toNotificationDTO(n: {
  id: string;
  kind: string;
  ticket: { id: string; number: number; title: string };
  actor: Ref;
  createdAt: Date;
  readAt: Date | null;
}): NotificationDTO {
  return {
    id: n.id,
    // Only the processor writes rows, always with a known kind.
    kind: n.kind as NotificationKind,
    ticket: { id: n.ticket.id, number: n.ticket.number, title: n.ticket.title },
    actor: { id: n.actor.id, name: n.actor.name },
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt?.toISOString() ?? null,
  };
}
