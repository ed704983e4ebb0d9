/**
 * Cross-site request guard for every state-changing HTTP request, applied once
 * in server.ts before Next sees the request, so no route can forget it.
 *
 * CORS preflight does not protect "simple" requests (form posts, multipart,
 * text/plain fetches) and SameSite=Lax cookies still travel between same-site
 * origins (another port on the host, a sibling subdomain), so the session
 * cookie alone proves nothing about who sent the request. The browser says who
 * did: `Origin` on every non-GET request it sends, `Sec-Fetch-Site` where it
 * omits Origin. The allowed origin follows the Socket.IO handshake's rule
 * (../realtime/origin.ts): APP_URL's origin, or the page's own host when
 * APP_URL is not configured.
 *
 * A request with neither header did not come from a browser page (every
 * browser that sends cookies cross-site sends one of them on a POST): curl,
 * scripts, the test harness, server-to-server calls. Those are allowed; they
 * must bring their own session cookie and could not have taken it from a
 * victim's browser. Free of `server-only` because server.ts loads it outside Next.
 */
import type { Env } from "../env";
import { originAllowed } from "../realtime/origin";

/** Methods that never change state; everything else is checked. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

type Headers = Record<string, string | string[] | undefined>;

export type CrossSiteVerdict = { allowed: true; reason: "safe-method" | "same-origin" | "non-browser" } | { allowed: false; reason: string };

function single(v: string | string[] | undefined): string | undefined {
  // Repeated headers are never legitimate here: refuse rather than pick one.
  if (Array.isArray(v)) return v.length === 1 ? v[0] : "\u0000ambiguous";
  return v;
}

/**
 * Whether a request may proceed. Pure: `headers` as Node gives them
 * (lower-case names), `host` the request's Host header.
 */
export function checkCrossSite(
  method: string | undefined,
  headers: Headers,
  env: Pick<Env, "appOrigin" | "appUrlConfigured">,
): CrossSiteVerdict {
  if (SAFE_METHODS.has((method ?? "GET").toUpperCase())) return { allowed: true, reason: "safe-method" };
  const origin = single(headers.origin);
  if (origin !== undefined) {
    // `Origin: null` comes from sandboxed frames, data: URLs, file: pages and
    // some cross-origin redirects: never the app's own pages.
    if (origin === "null") return { allowed: false, reason: "Origin: null" };
    if (originAllowed(origin, single(headers.host), env)) return { allowed: true, reason: "same-origin" };
    return { allowed: false, reason: `Origin ${origin.slice(0, 200)}` };
  }
  const site = single(headers["sec-fetch-site"]);
  if (site !== undefined) {
    // "none": the user started it (address bar, bookmark); no page sent it.
    if (site === "same-origin" || site === "none") return { allowed: true, reason: "same-origin" };
    // "same-site" is refused too: another port or subdomain is another app.
    return { allowed: false, reason: `Sec-Fetch-Site ${site.slice(0, 40)}` };
  }
  return { allowed: true, reason: "non-browser" };
}
