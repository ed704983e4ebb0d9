import "server-only";
import type { AttachmentDTO } from "../../shared/dto";
import { db } from "../db";
import type { Actor } from "../policy";
import { attachmentInclude, toAttachmentDTO } from "../serializers";
import { loadTicketFor } from "../tickets/load-ticket";

/** A ticket's attachments, oldest first. */
export async function listAttachments(actor: Actor, ticketId: string): Promise<AttachmentDTO[]> {
  await loadTicketFor(actor, ticketId, "attachment:read");
  const rows = await db().attachment.findMany({
    where: { ticketId },
    include: attachmentInclude,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map(toAttachmentDTO);
}
