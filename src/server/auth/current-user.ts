import "server-only";
import { headers } from "next/headers";
import type { SessionUser } from "../../shared/dto";
import { sessionOfHeaders } from "../realtime/authenticate";
import type { AuthenticatedSession } from "./session-token";

/**
 * The live session of the page being rendered, checked against the database:
 * a signed-out or revoked session, or a deactivated or deleted user, is
 * refused at once rather than when the JWT expires. Reads the cookie directly
 * (not getServerSession) so the check is one query; route handlers make the
 * same check from their request's headers (http/route.ts, authed).
 */
export async function getCurrentSession(): Promise<AuthenticatedSession | null> {
  return sessionOfHeaders(await headers());
}

/** The signed-in user of the current request, or null. */
export async function getCurrentUser(): Promise<SessionUser | null> {
  return (await getCurrentSession())?.user ?? null;
}
