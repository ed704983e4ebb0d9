import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { listAttachments } from "@/server/attachments/list-attachments";
import { uploadAttachment } from "@/server/attachments/upload-attachment";
import { env } from "@/server/env";
import { authed, errorResponse } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = authed<{ id: string }>(async (_req, user, { id }) => {
  return Response.json({ items: await listAttachments(user, id) });
});

export const POST = authed<{ id: string }>(async (req, user, { id }) => {
  try {
    // ?staged=1: a file for the reply being written, sent later with the comment.
    const staged = new URL(req.url).searchParams.get("staged") === "1";
    const attachment = await uploadAttachment(user, id, req.headers, req.body as WebReadableStream<Uint8Array> | null, { staged });
    return Response.json(attachment, { status: 201 });
  } catch (e) {
    const res = errorResponse(e);
    // A body we stopped reading midway (refused as it crossed the limit) or
    // one declared far too large cannot be skipped cheaply: close the
    // connection, or a client reusing it would have its next request read as
    // the remains of this body. A body never touched and of modest declared
    // size is left to Node, which discards it and keeps the connection, so
    // the client reliably gets to read this answer.
    const declared = Number(req.headers.get("content-length"));
    const huge = !Number.isFinite(declared) || declared > 4 * env().maxUploadBytes;
    if (req.body?.locked || huge) res.headers.set("Connection", "close");
    return res;
  }
});
