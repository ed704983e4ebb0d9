import "server-only";
import type { CommentDTO } from "../../shared/dto";
import { db } from "../db";
import { type Actor, can } from "../policy";
import { commentInclude, toCommentDTO } from "../serializers";
import { loadTicketFor } from "../tickets/load-ticket";

/** A ticket's comments, oldest first; internal notes only for staff. */
export async function listComments(actor: Actor, ticketId: string): Promise<CommentDTO[]> {
  const ticket = await loadTicketFor(actor, ticketId);
  const rows = await db().comment.findMany({
    where: { ticketId, ...(can(actor, "comment:internal:read", ticket) ? {} : { internal: false }) },
    include: commentInclude,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map(toCommentDTO);
}
