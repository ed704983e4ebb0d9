import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { Role } from "../../shared/enums";
import { safeRedirectPath } from "../../shared/safe-redirect";
import { env } from "../env";
import { createSession, SESSION_MAX_AGE_SECONDS } from "../sessions/create-session";
import { revokeSession } from "../sessions/revoke-session";
import { verifyCredentials } from "../users/verify-credentials";
import { authenticateClaims } from "./session-token";
import { log } from "../log";

/** Thrown by the jwt callback for a token whose session has ended; next-auth then clears the cookie. */
class SessionEnded extends Error {
  override name = "SessionEnded";
}

/**
 * next-auth v4 options. `secure` picks the cookie names (see ./secure.ts); it
 * is decided per request so the app works both directly over http and behind
 * a TLS-terminating proxy. `request.userAgent` is recorded with a new session.
 *
 * JWTs alone cannot be revoked, so each carries the id of a server-side
 * Session row (`sid`), created at sign-in and revoked at sign-out.
 */
export function authOptions(secure: boolean, request: { userAgent?: string | null } = {}): NextAuthOptions {
  return {
    secret: env().NEXTAUTH_SECRET,
    useSecureCookies: secure,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        authorize: (credentials) => verifyCredentials(credentials),
      }),
    ],
    callbacks: {
      // Every redirect next-auth makes (callbackUrl after sign-in or
      // sign-out, error pages) stays on this site. next-auth's default lets
      // `//evil` through on some paths and throws (500) on malformed URLs.
      redirect({ url, baseUrl }) {
        return `${baseUrl}${safeRedirectPath(url, baseUrl)}`;
      },
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.role = (user as { role?: Role }).role;
          token.sid = await createSession(user.id, request.userAgent);
          return token;
        }
        // next-auth's own endpoints (GET /api/auth/session) must refuse an
        // ended session too, not echo the user from a copied cookie, and
        // report the user as they are now (role changes apply at once).
        const live = await authenticateClaims(token);
        if (!live) throw new SessionEnded("This session has ended");
        token.role = live.user.role;
        token.name = live.user.name;
        return token;
      },
      session({ session, token }) {
        if (session.user) {
          (session.user as { id?: string }).id = token.sub;
          (session.user as { role?: unknown }).role = token.role;
        }
        return session;
      },
    },
    events: {
      // Sign-out ends the session server-side, so a copy of the cookie taken
      // before is refused afterwards and the session's sockets close.
      async signOut({ token }) {
        if (typeof token?.sid === "string") await revokeSession(token.sid);
      },
    },
    logger: {
      error(code, metadata) {
        // An ended session reaching /api/auth/session is expected, not an error.
        if ((metadata as { name?: unknown } | undefined)?.name === "SessionEnded") return;
        log.error({ metadata }, `[next-auth][error][${code}]`);
      },
    },
  };
}
