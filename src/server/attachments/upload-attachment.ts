import "server-only";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { AttachmentDTO, SessionUser } from "../../shared/dto";
import { loadTicketFor } from "../tickets/load-ticket";
import { addAttachment } from "./add-attachment";
import { receiveUpload } from "./receive-upload";

/**
 * Attach the file in a multipart request body to a ticket: authorize before
 * reading a single byte, stream the file in under the size limit, then store
 * it with its event.
 */
export async function uploadAttachment(
  actor: SessionUser,
  ticketId: string,
  headers: Headers,
  body: WebReadableStream<Uint8Array> | null,
): Promise<AttachmentDTO> {
  await loadTicketFor(actor, ticketId, "attachment:create");
  const upload = await receiveUpload(headers, body);
  return addAttachment(actor, ticketId, upload);
}
