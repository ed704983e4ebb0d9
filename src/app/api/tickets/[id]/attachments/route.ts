import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { addAttachment } from "@/server/attachments/add-attachment";
import { listAttachments } from "@/server/attachments/list-attachments";
import { receiveUpload } from "@/server/attachments/receive-upload";
import { authed } from "@/server/http/route";
import { loadTicketFor } from "@/server/tickets/load-ticket";

export const dynamic = "force-dynamic";

export const GET = authed<{ id: string }>(async (_req, user, { id }) => {
  return Response.json({ items: await listAttachments(user, id) });
});

export const POST = authed<{ id: string }>(async (req, user, { id }) => {
  // Authorize before reading a single byte of the body.
  await loadTicketFor(user, id, "attachment:create");
  const upload = await receiveUpload(req.headers, req.body as WebReadableStream<Uint8Array> | null);
  return Response.json(await addAttachment(user, id, upload), { status: 201 });
});
