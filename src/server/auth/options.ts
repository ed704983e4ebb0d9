import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { Role } from "../../shared/enums";
import { env } from "../env";
import { verifyCredentials } from "../users/verify-credentials";
import { safeRedirect } from "./safe-redirect";

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
      redirect: ({ url, baseUrl }) => safeRedirect(url, baseUrl),
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
