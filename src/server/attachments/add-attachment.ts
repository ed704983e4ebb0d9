import "server-only";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { AttachmentDTO, SessionUser } from "../../shared/dto";
import { db } from "../db";
import { env } from "../env";
import { announceCommitted } from "../events/publish";
import { recordEvent } from "../events/record-event";
import { attachmentInclude, toAttachmentDTO } from "../serializers";
import { loadTicketFor } from "../tickets/load-ticket";
import type { ReceivedUpload } from "./receive-upload";

/** Path of a stored blob. Keys are server-generated UUIDs, never user input. */
export function blobPath(storageKey: string): string {
  return path.join(env().uploadDir, storageKey);
}

/**
 * Attach a received upload to a ticket. The blob is moved into place before
 * the row is written, and removed again if the write fails, so there is never
 * a row without its bytes nor a stray blob.
 */
export async function addAttachment(
  actor: SessionUser,
  ticketId: string,
  upload: ReceivedUpload,
  options: { staged?: boolean } = {},
): Promise<AttachmentDTO> {
  const storageKey = randomUUID();
  const finalPath = blobPath(storageKey);
  try {
    await loadTicketFor(actor, ticketId, "attachment:create");
    await fs.promises.rename(upload.tempPath, finalPath);
    if (options.staged) {
      // For a reply being written: nobody else sees it, nothing is announced,
      // until the comment it is sent with commits (see addComment).
      const staged = await db().attachment.create({
        data: { ticketId, uploaderId: actor.id, originalName: upload.originalName, size: upload.size, sha256: upload.sha256, contentType: upload.contentType, storageKey, staged: true },
        include: attachmentInclude,
      });
      return toAttachmentDTO(staged);
    }
    const event = await db().$transaction(async (tx) => {
      const attachment = await tx.attachment.create({
        data: {
          ticketId,
          uploaderId: actor.id,
          originalName: upload.originalName,
          size: upload.size,
          sha256: upload.sha256,
          contentType: upload.contentType,
          storageKey,
        },
        include: attachmentInclude,
      });
      await tx.ticket.update({ where: { id: ticketId }, data: { updatedAt: attachment.createdAt } });
      return recordEvent(tx, {
        ticketId,
        type: "attachment:added",
        actor,
        data: { attachment: toAttachmentDTO(attachment) },
        at: attachment.createdAt,
      });
    });
    announceCommitted();
    return event.data.attachment;
  } catch (e) {
    await Promise.all([fs.promises.rm(upload.tempPath, { force: true }), fs.promises.rm(finalPath, { force: true })]);
    throw e;
  }
}
