import "server-only";
import { cookies, headers } from "next/headers";
import type { SessionUser } from "../../shared/dto";
import { sessionToken } from "../realtime/authenticate";
import { isSecureRequest, sessionCookieName } from "./secure";
import { type AuthenticatedSession, authenticateSessionToken } from "./session-token";

/**
 * The live session of the page being rendered, checked against the database:
 * a signed-out or revoked session, or a deactivated or deleted user, is
 * refused at once rather than when the JWT expires. Reads the cookie directly
 * (not getServerSession) so the check is one query. Route handlers read it
 * from their request instead (request-session.ts).
 */
export async function getCurrentSession(): Promise<AuthenticatedSession | null> {
  const name = sessionCookieName(isSecureRequest(await headers()));
  const jar = Object.fromEntries((await cookies()).getAll().map((c) => [c.name, c.value]));
  return authenticateSessionToken(sessionToken(jar, name));
}

/** The signed-in user of the current request, or null. */
export async function getCurrentUser(): Promise<SessionUser | null> {
  return (await getCurrentSession())?.user ?? null;
}
