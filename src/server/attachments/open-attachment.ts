import "server-only";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ID_PATTERN } from "../../shared/schemas/text";
import { db } from "../db";
import { AppError } from "../errors";
import { type Actor, authorize } from "../policy";
import { blobPath } from "./add-attachment";
import { log } from "../log";

function corrupt(id: string, why: string): AppError {
  // The operator needs the detail; the user gets a stable code and a plain message.
  log.error(`[tandem] attachment ${id} is corrupt: ${why}`);
  return new AppError(
    "ATTACHMENT_CORRUPT",
    "This file's stored copy is damaged (it no longer matches what was uploaded), so it cannot be downloaded. Ask an administrator to restore it.",
  );
}

async function sha256Of(handle: fs.promises.FileHandle): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(handle.createReadStream({ start: 0, autoClose: false }), hash);
  return hash.digest("hex");
}

/**
 * An attachment's metadata and a stream of exactly its bytes, if `actor` may
 * read its ticket.
 *
 * The blob is checked before a single byte is sent, so a damaged file is a
 * clear error rather than a 200 with wrong bytes: its size must equal the
 * recorded size, and its SHA-256 the one recorded at upload. (Checking only
 * while streaming could not change the status once headers are out: the best
 * it can do is abort, which a client may not notice.) Rows from before hashes
 * were kept have none: the first download whose size matches records the
 * hash it finds (trust on first use), so later damage is caught.
 *
 * The bytes are then streamed from the same open file, hashed again on the
 * way: a blob changed in place between the check and the send makes the
 * stream fail, and the response is aborted short of its Content-Length
 * instead of completing.
 */
export async function openAttachment(actor: Actor, attachmentId: string): Promise<{
  attachment: { id: string; originalName: string; contentType: string; size: number; sha256: string };
  stream: Readable;
}> {
  if (!ID_PATTERN.test(attachmentId)) throw new AppError("NOT_FOUND", "Attachment not found");
  const attachment = await db().attachment.findUnique({
    where: { id: attachmentId },
    include: { ticket: { select: { requesterId: true } } },
  });
  if (!attachment) throw new AppError("NOT_FOUND", "Attachment not found");
  try {
    authorize(actor, "attachment:read", attachment.ticket);
    // A note's file is as internal as the note; an unsent one is its uploader's alone.
    if (attachment.internal) authorize(actor, "comment:internal:read", attachment.ticket);
    if (attachment.staged && attachment.uploaderId !== actor.id) throw new AppError("NOT_FOUND", "Attachment not found");
  } catch {
    throw new AppError("NOT_FOUND", "Attachment not found");
  }
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(blobPath(attachment.storageKey), "r");
  } catch {
    throw new AppError("NOT_FOUND", "Attachment data is missing");
  }
  try {
    const { size } = await handle.stat();
    if (size !== attachment.size) throw corrupt(attachment.id, `size ${size} on disk, ${attachment.size} recorded`);
    const digest = await sha256Of(handle);
    if (attachment.sha256 && digest !== attachment.sha256) {
      throw corrupt(attachment.id, `sha256 ${digest} on disk, ${attachment.sha256} recorded`);
    }
    if (!attachment.sha256) {
      await db().attachment.updateMany({ where: { id: attachment.id, sha256: null }, data: { sha256: digest } });
    }
    const expected = attachment.sha256 ?? digest;
    const hash = createHash("sha256");
    let sent = 0;
    const verify = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        if (sent !== attachment.size || hash.digest("hex") !== expected) {
          done(corrupt(attachment.id, "the blob changed while it was being sent"));
        } else done();
      },
    });
    const source = handle.createReadStream({ start: 0, autoClose: true });
    source.on("error", (e) => verify.destroy(e));
    verify.on("close", () => source.destroy());
    return {
      attachment: { ...attachment, sha256: expected },
      stream: source.pipe(verify),
    };
  } catch (e) {
    await handle.close();
    throw e;
  }
}
