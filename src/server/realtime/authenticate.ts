import "server-only";
import type { IncomingHttpHeaders } from "node:http";
import type { SessionUser } from "../../shared/dto";
import { type HeaderSource, header, isSecureRequest, sessionCookieName } from "../auth/secure";
import { type AuthenticatedSession, authenticateSessionToken, claimsOfSessionToken, type SessionClaims } from "../auth/session-token";

/** Parse a Cookie header into an object (next-auth needs one: nextauthjs/next-auth#720). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

/**
 * The session JWT from the cookies, joining next-auth's chunked cookies
 * (`name.0`, `name.1`, …) that large sessions are split into.
 */
export function sessionToken(cookies: Record<string, string>, name: string): string | undefined {
  if (cookies[name]) return cookies[name];
  const chunks: string[] = [];
  for (let i = 0; cookies[`${name}.${i}`] !== undefined; i++) chunks.push(cookies[`${name}.${i}`]!);
  return chunks.length ? chunks.join("") : undefined;
}

export type SocketIdentity = { user: SessionUser; sessionId: string; expiresAt: number };

/**
 * The live session behind a Socket.IO handshake, from the same next-auth
 * session cookie the pages use, or null. The cookie name follows the same
 * HTTPS rule as pages (see auth/secure.ts), and the session must still be live
 * in the database, like for every page and API route.
 */
export async function authenticateHandshake(headers: IncomingHttpHeaders): Promise<SocketIdentity | null> {
  return sessionOfHeaders(headers);
}

/**
 * The live session named by a request's session cookie, or null: the one
 * check behind pages (Next's headers()), route handlers (their Web Request's
 * headers, which server.ts also calls directly: http/direct-routes.ts) and
 * the Socket.IO handshake (Node's headers).
 */
export async function sessionOfHeaders(headers: HeaderSource): Promise<AuthenticatedSession | null> {
  return authenticateSessionToken(sessionToken(parseCookies(header(headers, "cookie")), sessionCookieName(isSecureRequest(headers))));
}

/**
 * What the request's session cookie claims, not yet checked against the
 * database (see SessionClaims): for a write that checks the session in its
 * own statement (http/route.ts, authedByWrite). Null for no cookie, a forged
 * or expired token.
 */
export async function claimsOfHeaders(headers: HeaderSource): Promise<SessionClaims | null> {
  return claimsOfSessionToken(sessionToken(parseCookies(header(headers, "cookie")), sessionCookieName(isSecureRequest(headers))));
}
