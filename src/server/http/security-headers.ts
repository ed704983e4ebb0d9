/**
 * Security headers for every response the app itself sends (pages, API
 * routes, next-auth, attachments, static files, 404s), set in server.ts before
 * Next handles the request, so they hold without a proxy in front.
 *
 * The Content-Security-Policy carries a fresh nonce per request. server.ts
 * also puts the policy on the *request* headers: Next reads the nonce from
 * there and stamps it on the inline and external scripts it renders
 * (next/dist/server/app-render/get-script-nonce-from-header.js). This is what
 * Next's CSP guide does in proxy.ts; doing it in server.ts instead covers
 * responses the proxy matcher would skip and avoids proxy.ts, which makes
 * Next buffer request bodies (it would defeat the streaming upload and JSON
 * body limits). Free of `server-only` because server.ts loads it outside Next.
 */
import { randomBytes } from "node:crypto";

/** Two years, the HSTS preload list's minimum is one. */
export const HSTS_MAX_AGE = 63_072_000;

/** A fresh CSP nonce: 128 random bits, base64 (Next's nonce pattern accepts it). */
export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The Content-Security-Policy for one response.
 * - script-src: only scripts carrying this request's nonce, and what they load
 *   ('strict-dynamic'); no inline script, no eval. Development adds
 *   'unsafe-eval' because React's dev build and HMR evaluate code.
 * - style-src: 'unsafe-inline' in development only, where Next injects CSS
 *   through <style> tags at runtime; production links stylesheets.
 * - connect-src 'self' covers Socket.IO's ws:/wss: to the same host (CSP 3).
 */
export function contentSecurityPolicy(opts: { nonce: string; dev: boolean; https: boolean }): string {
  const { nonce, dev, https } = opts;
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' ${dev ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/**
 * The policy for API responses (JSON, attachment downloads): they never run
 * script or load anything, so nothing is allowed. It carries no nonce, which
 * also keeps API responses byte-for-byte stable between identical requests
 * (the internal-notes test relies on that: nothing a requester fetches may
 * vary unless the data did).
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Whether a request path is served by an API route rather than a page. */
export function isApiPath(url: string | undefined): boolean {
  return url === "/api" || (url ?? "").startsWith("/api/") || (url ?? "").startsWith("/api?");
}

/**
 * Every security header for one response, CSP included. `nonce` is the
 * page's script nonce; API responses (`nonce: null`) get the fixed policy.
 */
export function securityHeaders(opts: { nonce: string | null; dev: boolean; https: boolean }): Record<string, string> {
  const { nonce } = opts;
  return {
    "Content-Security-Policy": nonce === null ? API_CONTENT_SECURITY_POLICY : contentSecurityPolicy({ ...opts, nonce }),
    // Ticket URLs name tickets: other sites learn nothing from a link click.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "X-Content-Type-Options": "nosniff",
    // For browsers without CSP frame-ancestors.
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(opts.https ? { "Strict-Transport-Security": `max-age=${HSTS_MAX_AGE}` } : {}),
  };
}
