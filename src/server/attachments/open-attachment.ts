import "server-only";
import fs from "node:fs";
import { ID_PATTERN } from "../../shared/schemas/text";
import { db } from "../db";
import { AppError } from "../errors";
import { type Actor, authorize } from "../policy";
import { blobPath } from "./add-attachment";

/** An attachment's metadata and a stream of its bytes, if `actor` may read its ticket. */
export async function openAttachment(actor: Actor, attachmentId: string) {
  if (!ID_PATTERN.test(attachmentId)) throw new AppError("NOT_FOUND", "Attachment not found");
  const attachment = await db().attachment.findUnique({
    where: { id: attachmentId },
    include: { ticket: { select: { requesterId: true } } },
  });
  if (!attachment) throw new AppError("NOT_FOUND", "Attachment not found");
  try {
    authorize(actor, "attachment:read", attachment.ticket);
  } catch {
    throw new AppError("NOT_FOUND", "Attachment not found");
  }
  const file = blobPath(attachment.storageKey);
  try {
    await fs.promises.access(file);
  } catch {
    throw new AppError("NOT_FOUND", "Attachment data is missing");
  }
  return { attachment, stream: fs.createReadStream(file) };
}
