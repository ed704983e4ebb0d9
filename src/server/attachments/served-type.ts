/**
 * Which media type an attachment is stored and served with. Uploaders claim
 * any type they like; a browser that renders HTML, SVG, XML or script from our
 * origin runs it as us (stored XSS), and `Content-Disposition: attachment`
 * alone is not enough (some viewers and extensions ignore it, and a type is
 * still sniffed by plug-ins). So only a short list of inert types keeps its
 * type; everything else becomes application/octet-stream. Applied at upload
 * (the stored type) and again at download (rows stored before this rule).
 */

/** Types a browser displays but never executes. SVG is an image that runs script: not here. */
const INERT_TYPES = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/bmp",
  "image/x-icon",
  "image/vnd.microsoft.icon",
  "application/pdf",
  "text/plain",
]);

export const OPAQUE_TYPE = "application/octet-stream";

/** The type to store and serve for a claimed `Content-Type` (parameters dropped). */
export function servedContentType(claimed: string | null | undefined): string {
  const type = (claimed ?? "").split(";")[0]!.trim().toLowerCase();
  return INERT_TYPES.has(type) ? type : OPAQUE_TYPE;
}
