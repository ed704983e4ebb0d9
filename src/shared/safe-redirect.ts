/**
 * Where to send the browser after sign-in: only a path on this site. Used by
 * next-auth's redirect callback, the login page and the login form, so all
 * three agree. Anything else (another origin, a scheme-relative `//evil` or
 * `/\evil` that browsers read as another host, control characters or
 * backslashes that browsers strip or turn into slashes, a `javascript:` URL,
 * malformed percent-encoding) falls back to FALLBACK_PATH. Never throws.
 */
export const FALLBACK_PATH = "/tickets";

// C0 controls, DEL and C1 controls: browsers drop tabs and newlines inside URLs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function looksSafe(path: string): boolean {
  return (
    path.startsWith("/") &&
    !path.startsWith("//") &&
    !path.includes("\\") &&
    !CONTROL.test(path) &&
    // The sign-in page itself would loop.
    !/^\/login(?:[/?#]|$)/i.test(path)
  );
}

/**
 * `raw` as a same-origin path, or FALLBACK_PATH. An absolute URL on `origin`
 * (what next-auth hands its redirect callback) is reduced to its path.
 */
export function safeRedirectPath(raw: unknown, origin?: string): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048) return FALLBACK_PATH;
  let path = raw;
  if (origin && (raw === origin || raw.startsWith(`${origin}/`) || raw.startsWith(`${origin}?`))) {
    path = raw.slice(origin.length) || "/";
    if (!path.startsWith("/")) path = `/${path}`;
  }
  if (!looksSafe(path)) return FALLBACK_PATH;
  // Percent-encoded forms of the same tricks (`/%09/evil`, `/%2F%2Fevil`,
  // `/%5Cevil`) are refused too: some servers and proxies decode them.
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return FALLBACK_PATH;
  }
  if (!looksSafe(decoded) || /^\/[\s/\\]/.test(decoded)) return FALLBACK_PATH;
  // Last word to the URL parser: it must stay on the origin it is resolved
  // against, and dot segments must not leave a `//host` path behind, which a
  // later trailing-slash redirect could turn into another host.
  try {
    const base = "http://tandem.invalid";
    const url = new URL(path, base);
    if (url.origin !== base || url.pathname.startsWith("//")) return FALLBACK_PATH;
  } catch {
    return FALLBACK_PATH;
  }
  return path;
}
