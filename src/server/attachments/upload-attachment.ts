import "server-only";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { AttachmentDTO, SessionUser } from "../../shared/dto";
import { enforceCreationLimit, quotaExceeded, uploadAllowance } from "../limits/enforce-creation-limit";
import { loadTicketFor } from "../tickets/load-ticket";
import { addAttachment } from "./add-attachment";
import { checkUploadRequest, receiveUpload } from "./receive-upload";

/**
 * Attach the file in a multipart request body to a ticket: authorize before
 * reading a single byte, stream the file in under the size limit, then store
 * it with its event. The per-user upload count and daily byte quota are
 * checked before reading, and the quota again while the bytes arrive: an
 * upload refused for either leaves no file and no row. What the headers
 * alone refuse (not multipart, declared too large) is refused before the
 * count.
 */
export async function uploadAttachment(
  actor: SessionUser,
  ticketId: string,
  headers: Headers,
  body: WebReadableStream<Uint8Array> | null,
  options: { staged?: boolean } = {},
): Promise<AttachmentDTO> {
  await loadTicketFor(actor, ticketId, "attachment:create");
  const allowance = await uploadAllowance(actor.id);
  if (allowance.remainingBytes <= 0) throw quotaExceeded(allowance);
  const quota = { bytes: allowance.remainingBytes, exceeded: () => quotaExceeded(allowance) };
  // A request its headers already refuse is not counted; one whose body the
  // server read is, refused or not: the limit bounds the work a user can make
  // the server do, and a refused upload's bytes were work.
  checkUploadRequest(headers, body, quota);
  await enforceCreationLimit("upload", actor.id);
  const upload = await receiveUpload(headers, body, quota);
  return addAttachment(actor, ticketId, upload, options);
}
