import "server-only";
import type { CommentDTO, SessionUser } from "../../shared/dto";
import type { TCreateComment } from "../../shared/schemas/comments";
import { db } from "../db";
import { announceCommitted } from "../events/publish";
import { recordEvent } from "../events/record-event";
import type { Remember } from "../integrity/run-idempotent";
import { enforceCreationLimit } from "../limits/enforce-creation-limit";
import { authorize, reopensOnReply } from "../policy";
import { AppError } from "../errors";
import { commentInclude, ticketInclude, toCommentDTO, toTicketDTO } from "../serializers";
import { loadTicketFor } from "../tickets/load-ticket";
import { runtime } from "../runtime";

/**
 * Add a comment, or an internal note when `internal` (staff only).
 * `remember` stores the response for an Idempotency-Key in the same transaction.
 */
export async function addComment(
  actor: SessionUser,
  ticketId: string,
  input: TCreateComment,
  remember?: Remember<CommentDTO>,
): Promise<CommentDTO> {
  const ticket = await loadTicketFor(actor, ticketId, "comment:create");
  if (input.internal) authorize(actor, "comment:internal:create", ticket);
  await enforceCreationLimit("comment", actor.id);
  const event = await db().$transaction(async (tx) => {
    // The comment comes back with what its event carries in the same call;
    // only a reply with files is read again, once they are linked to it.
    let comment = await tx.comment.create({
      data: { ticketId, authorId: actor.id, body: input.body, internal: input.internal ?? false },
      include: commentInclude,
    });
    // The files uploaded for this reply join it, and take its visibility: a
    // note's files are internal. Only the sender's own unsent files on this
    // ticket qualify; anything else refuses the whole comment.
    const ids = [...new Set(input.attachmentIds ?? [])];
    if (ids.length > 0) {
      const linked = await tx.attachment.updateMany({
        where: { id: { in: ids }, ticketId, uploaderId: actor.id, staged: true },
        data: { staged: false, commentId: comment.id, internal: input.internal ?? false },
      });
      if (linked.count !== ids.length) {
        throw new AppError("VALIDATION", "A file is not yours to send here, or was already sent", { attachmentIds: ["Unknown or already sent file"] });
      }
      comment = await tx.comment.findUniqueOrThrow({ where: { id: comment.id }, include: commentInclude });
    }
    // Sent: the reply box's saved draft is spent. Before the event: taking
    // its seq locks the ticket row until commit, so the less that happens
    // after it, the sooner concurrent replies to the same ticket proceed.
    await tx.draft.deleteMany({ where: { userId: actor.id, ticketId } });
    const recorded = await recordEvent(tx, {
      ticketId,
      type: "comment:added",
      actor,
      data: { comment: toCommentDTO(comment) },
      internal: comment.internal,
      at: comment.createdAt,
      // Touch the ticket so "recently updated" sorting reflects conversation
      // and lists show who replied last; not for internal notes, which
      // requesters must not be able to detect. In the statement that takes
      // the event's seq, one round trip instead of two.
      ...(comment.internal ? {} : { reply: { at: comment.createdAt, by: actor.id } }),
    });
    // The requester answered what the team was waiting for: the ticket is
    // theirs to work again. An event like any other, after the comment.
    if (reopensOnReply(actor, ticket)) {
      const reopened = await tx.ticket.updateMany({ where: { id: ticketId, status: "WAITING" }, data: { status: "OPEN", version: { increment: 1 } } });
      if (reopened.count === 1) {
        await recordEvent(tx, {
          ticketId,
          type: "ticket:updated",
          actor,
          data: async () => ({
            ticket: toTicketDTO(await tx.ticket.findUniqueOrThrow({ where: { id: ticketId }, include: ticketInclude }), "staff"),
            changes: { status: { from: "WAITING", to: "OPEN" } },
          }),
        });
      }
    }
    await remember?.(tx, recorded.data.comment);
    return recorded;
  });
  announceCommitted();
  // The user's other tabs empty their reply box too.
  runtime().toUser?.(actor.id, "draft:saved", { ticketId, body: "", internal: false, updatedAt: new Date().toISOString(), clientId: null, sent: input.body });
  return event.data.comment;
}
