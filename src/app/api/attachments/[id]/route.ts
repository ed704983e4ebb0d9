import { Readable } from "node:stream";
import { openAttachment } from "@/server/attachments/open-attachment";
import { servedContentType } from "@/server/attachments/served-type";
import { DECLARED_LENGTH_HEADER } from "@/server/http/content-length";
import { authed } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = authed<{ id: string }>(async (_req, user, { id }) => {
  const { attachment, stream } = await openAttachment(user, id);
  return new Response(Readable.toWeb(stream) as ReadableStream, {
    headers: {
      // Inert types only, whatever was stored (rows from before the rule too).
      "Content-Type": servedContentType(attachment.contentType),
      // Next drops Content-Length here; server.ts restores it from this header (see content-length.ts).
      [DECLARED_LENGTH_HEADER]: String(attachment.size),
      // RFC 9530: lets a client check the bytes it received end to end.
      "Repr-Digest": `sha-256=:${Buffer.from(attachment.sha256, "hex").toString("base64")}:`,
      // Always a download, never rendered inline: uploaded HTML or SVG must not run as our origin.
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(attachment.originalName)}`,
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private, no-store",
    },
  });
});
