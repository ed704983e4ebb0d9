import "server-only";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { AttachmentDTO, SessionUser } from "../../shared/dto";
import { enforceCreationLimit, quotaExceeded, uploadAllowance } from "../limits/enforce-creation-limit";
import { loadTicketFor } from "../tickets/load-ticket";
import { addAttachment } from "./add-attachment";
import { receiveUpload } from "./receive-upload";

/**
 * Attach the file in a multipart request body to a ticket: authorize before
 * reading a single byte, stream the file in under the size limit, then store
 * it with its event. The per-user upload count and daily byte quota are
 * checked before reading, and the quota again while the bytes arrive: an
 * upload refused for either leaves no file and no row.
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
  await enforceCreationLimit("upload", actor.id);
  const upload = await receiveUpload(headers, body, {
    bytes: allowance.remainingBytes,
    exceeded: () => quotaExceeded(allowance),
  });
  return addAttachment(actor, ticketId, upload, options);
}
