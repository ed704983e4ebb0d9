import "server-only";
import { parseCookies, sessionToken } from "../realtime/authenticate";
import { isSecureRequest, sessionCookieName } from "./secure";
import { type AuthenticatedSession, authenticateSessionToken } from "./session-token";

/** The live session of `req` (a route handler's request), read from its own headers. */
export async function sessionOfRequest(req: Request): Promise<AuthenticatedSession | null> {
  const name = sessionCookieName(isSecureRequest(req.headers));
  return authenticateSessionToken(sessionToken(parseCookies(req.headers.get("cookie") ?? undefined), name));
}
