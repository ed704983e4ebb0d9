/**
 * Whether the browser reached us over HTTPS. Decides the next-auth cookie name
 * (`__Secure-next-auth.session-token` vs `next-auth.session-token`) and must be
 * derived the same way for pages, API routes and the Socket.IO handshake, or a
 * TLS-terminating proxy makes every socket look signed out.
 */
import { env } from "../env";

/** A Web Request's headers, or a Node request's. */
export type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/** The first value of header `name` (lowercase) in either kind of headers. */
export function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}

export function isSecureRequest(headers: HeaderSource): boolean {
  if (env().APP_URL.startsWith("https://")) return true;
  const proto = header(headers, "x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return proto === "https";
}

/** The session cookie name next-auth v4 uses for a request of this kind. */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Secure-next-auth.session-token" : "next-auth.session-token";
}
