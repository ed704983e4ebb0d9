import "server-only";
import type { AttachmentDTO } from "../../shared/dto";
import { db } from "../db";
import { type Actor, can } from "../policy";
import { attachmentInclude, toAttachmentDTO } from "../serializers";
import { loadTicketFor } from "../tickets/load-ticket";

/** A ticket's files, oldest first: its own and those sent in its conversation. */
export async function listAttachments(actor: Actor, ticketId: string): Promise<AttachmentDTO[]> {
  const ticket = await loadTicketFor(actor, ticketId, "attachment:read");
  const rows = await db().attachment.findMany({
    // Unsent files are their uploader's alone; a note's files are staff-only, like the note.
    where: { ticketId, staged: false, ...(can(actor, "comment:internal:read", ticket) ? {} : { internal: false }) },
    include: attachmentInclude,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map(toAttachmentDTO);
}
