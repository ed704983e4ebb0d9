import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { Role } from "../../shared/enums";
import { safeRedirectPath } from "../../shared/safe-redirect";
import { env } from "../env";
import { verifyCredentials } from "../users/verify-credentials";

/**
 * next-auth v4 options. `secure` picks the cookie names (see ./secure.ts); it
 * is decided per request so the app works both directly over http and behind
 * a TLS-terminating proxy.
 */
export function authOptions(secure: boolean): NextAuthOptions {
  return {
    secret: env().NEXTAUTH_SECRET,
    useSecureCookies: secure,
    session: { strategy: "jwt", maxAge: 7 * 24 * 60 * 60 },
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
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.role = (user as { role?: Role }).role;
        }
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
  };
}
