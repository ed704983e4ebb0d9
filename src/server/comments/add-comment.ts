import "server-only";
import type { CommentDTO, SessionUser } from "../../shared/dto";
import type { TCreateComment } from "../../shared/schemas/comments";
import { db } from "../db";
import { announceCommitted } from "../events/publish";
import { recordEvent } from "../events/record-event";
import type { Remember } from "../integrity/run-idempotent";
import { enforceCreationLimit } from "../limits/enforce-creation-limit";
import { authorize } from "../policy";
import { commentInclude, toCommentDTO } from "../serializers";
import { loadTicketFor } from "../tickets/load-ticket";

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
    const comment = await tx.comment.create({
      data: { ticketId, authorId: actor.id, body: input.body, internal: input.internal ?? false },
      include: commentInclude,
    });
    // Touch the ticket so "recently updated" sorting reflects conversation;
    // not for internal notes, which requesters must not be able to detect.
    if (!comment.internal) await tx.ticket.update({ where: { id: ticketId }, data: { updatedAt: comment.createdAt } });
    const recorded = await recordEvent(tx, {
      ticketId,
      type: "comment:added",
      actor,
      data: { comment: toCommentDTO(comment) },
      internal: comment.internal,
      at: comment.createdAt,
    });
    await remember?.(tx, recorded.data.comment);
    return recorded;
  });
  announceCommitted();
  return event.data.comment;
}
