import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { listAttachments } from "@/server/attachments/list-attachments";
import { uploadAttachment } from "@/server/attachments/upload-attachment";
import { authed, errorResponse } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = authed<{ id: string }>(async (_req, user, { id }) => {
  return Response.json({ items: await listAttachments(user, id) });
});

export const POST = authed<{ id: string }>(async (req, user, { id }) => {
  try {
    const attachment = await uploadAttachment(user, id, req.headers, req.body as WebReadableStream<Uint8Array> | null);
    return Response.json(attachment, { status: 201 });
  } catch (e) {
    // A refused upload leaves the rest of the body unread (that is the point
    // of refusing early). Close the connection: a client reusing it would
    // have its next request read as the remains of this body.
    const res = errorResponse(e);
    res.headers.set("Connection", "close");
    return res;
  }
});
