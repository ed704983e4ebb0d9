import "server-only";
import { decode, type JWT } from "next-auth/jwt";
import type { SessionUser } from "../../shared/dto";
import { env } from "../env";
import { findSessionUser } from "../sessions/find-session-user";

/** A live session: its user (as the database has them now), id and JWT expiry (ms). */
export type AuthenticatedSession = { user: SessionUser; sessionId: string; expiresAt: number };

/**
 * The live session behind next-auth's session JWT, or null. Pages, API routes
 * and the Socket.IO handshake all come through here, so a signed-out,
 * revoked or deactivated session is refused everywhere, copies included.
 */
export async function authenticateSessionToken(token: string | undefined): Promise<AuthenticatedSession | null> {
  if (!token) return null;
  const secret = env().NEXTAUTH_SECRET;
  if (!secret) return null;
  let claims: JWT | null;
  try {
    claims = await decode({ token, secret });
  } catch {
    return null;
  }
  return authenticateClaims(claims);
}

/**
 * The live session behind decoded JWT claims, or null. Tokens without a
 * session id (issued before sessions were tracked) are refused: they cannot
 * be revoked, so their holders sign in once more.
 */
export async function authenticateClaims(claims: JWT | null): Promise<AuthenticatedSession | null> {
  if (!claims?.sub || typeof claims.sid !== "string") return null;
  const expiresAt = typeof claims.exp === "number" ? claims.exp * 1000 : Number.POSITIVE_INFINITY;
  if (expiresAt <= Date.now()) return null;
  const user = await findSessionUser(claims.sid, claims.sub);
  return user ? { user, sessionId: claims.sid, expiresAt } : null;
}
