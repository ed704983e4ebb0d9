import "server-only";

/**
 * Why a request target (`req.url`) is malformed, or undefined when it is fine.
 * Path segments and query components must be printable ASCII whose
 * percent-escapes decode to UTF-8 (`%FF`, an encoded surrogate `%ED%A0%80`, a
 * stray `%` are not). Next decodes path params itself and answers a 500 for
 * these, and URLSearchParams would quietly turn them into U+FFFD.
 */
export function malformedTarget(target: string): string | undefined {
  // RFC 9112 request targets are ASCII; browsers percent-encode the rest.
  if (!/^[\x21-\x7e]*$/.test(target)) return "The URL contains characters that must be percent-encoded";
  const q = target.indexOf("?");
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? "" : target.slice(q + 1);
  try {
    decodeURIComponent(path);
  } catch {
    return "The URL path is not valid percent-encoded UTF-8";
  }
  try {
    for (const part of query.split("&")) decodeURIComponent(part.replace(/\+/g, " "));
  } catch {
    return "The query string is not valid percent-encoded UTF-8";
  }
  return undefined;
}
