import "server-only";
import { hkdfSync } from "node:crypto";
import { jwtDecrypt } from "jose";
import { LRUCache } from "lru-cache";
import type { JWT } from "next-auth/jwt";
import type { SessionUser } from "../../shared/dto";
import { type Role, ROLES } from "../../shared/enums";
import { env } from "../env";
import { findSessionUser } from "../sessions/find-session-user";

/** A live session: its user (as the database has them now), id and JWT expiry (ms). */
export type AuthenticatedSession = { user: SessionUser; sessionId: string; expiresAt: number };

/**
 * What a session token says, decrypted and unexpired but NOT yet checked
 * against the database: the session may have been revoked and the user
 * deactivated, renamed or given another role since it was issued. Only a
 * write that checks the session itself as it writes may act on it (see
 * `authedByWrite` in http/route.ts); everything else uses
 * AuthenticatedSession. Deliberately not a SessionUser, so it cannot be
 * passed where a checked user is expected.
 */
export type SessionClaims = {
  readonly userId: string;
  readonly sessionId: string;
  /** The name and role the token was issued (or last refreshed) with, if it carries them. */
  readonly claimedName: string | null;
  readonly claimedRole: Role | null;
  readonly expiresAt: number;
};

/**
 * The live session behind next-auth's session JWT, or null. Pages, API routes
 * and the Socket.IO handshake all come through here, so a signed-out,
 * revoked or deactivated session is refused everywhere, copies included.
 */
export async function authenticateSessionToken(token: string | undefined): Promise<AuthenticatedSession | null> {
  const claims = await decodedClaims(token);
  return claims ? authenticateClaims(claims) : null;
}

/**
 * What the session token claims, without asking the database (see
 * SessionClaims), or null when it is missing, forged, past its expiry or
 * without a session id: those are refused before anything else happens.
 */
export async function claimsOfSessionToken(token: string | undefined): Promise<SessionClaims | null> {
  return sessionClaimsOf(await decodedClaims(token));
}

/** SessionClaims from a decoded token's claims (see claimsOfSessionToken). */
export function sessionClaimsOf(claims: JWT | null): SessionClaims | null {
  if (!claims?.sub || typeof claims.sid !== "string") return null;
  const expiresAt = typeof claims.exp === "number" ? claims.exp * 1000 : Number.POSITIVE_INFINITY;
  if (expiresAt <= Date.now()) return null;
  return {
    userId: claims.sub,
    sessionId: claims.sid,
    claimedName: typeof claims.name === "string" ? claims.name : null,
    claimedRole: (ROLES as readonly unknown[]).includes(claims.role) ? (claims.role as Role) : null,
    expiresAt,
  };
}

/**
 * A session that a write checks itself: what its token claims, and the
 * database's check for when the write did not happen (asked once per
 * request, however often `verify` is called).
 */
export type ClaimedSession = {
  readonly claims: SessionClaims;
  /** The live session, as authenticateClaims answers it; null when it has ended. */
  verify(): Promise<AuthenticatedSession | null>;
};

export function claimedSession(claims: SessionClaims): ClaimedSession {
  let live: Promise<AuthenticatedSession | null> | undefined;
  return { claims, verify: () => (live ??= liveSession(claims)) };
}

async function decodedClaims(token: string | undefined): Promise<JWT | null> {
  if (!token) return null;
  const secret = env().NEXTAUTH_SECRET;
  if (!secret) return null;
  if (decodedWith !== secret) {
    decoded.clear();
    decodedWith = secret;
  }
  let claims: JWT | null | undefined = decoded.get(token);
  if (claims === undefined) {
    claims = await decodeSessionToken(token, secret);
    if (!claims) return null;
    decoded.set(token, claims);
  }
  return claims;
}

/**
 * The claims of a next-auth session token, or null when it does not decrypt
 * under `secret` or is past its expiry (15 s of clock tolerance): what
 * next-auth's `decode` answers (or throws), with the key derived once per
 * secret instead of for every token.
 */
export async function decodeSessionToken(token: string, secret: string): Promise<JWT | null> {
  if (keyFor?.secret !== secret) keyFor = { secret, key: encryptionKey(secret) };
  try {
    return (await jwtDecrypt(token, keyFor.key, { clockTolerance: 15 })).payload as JWT;
  } catch {
    return null;
  }
}

/**
 * next-auth v4's JWE key, derived from the secret as its `decode` does
 * (next-auth/jwt: HKDF-SHA256, empty salt, this info string, 32 bytes), but
 * once per secret: `decode` derives it again for every token, and after a
 * deploy, when every browser reconnects with a token this process has not
 * seen, that derivation was 9 % of the server's CPU while 10,000 sockets
 * connected (bench/findings.md, thirteenth round). The decryption is
 * `decode`'s own (jose's `jwtDecrypt`, the same 15 s clock tolerance);
 * session-token.test.ts holds the two to the same answers.
 */
function encryptionKey(secret: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", secret, "", "NextAuth.js Generated Encryption Key", 32));
}
let keyFor: { secret: string; key: Uint8Array } | undefined;

/**
 * Tokens already decrypted, with their claims. Decrypting a token (JWE)
 * costs CPU on every request and socket handshake (with next-auth's `decode`,
 * which also derived the key each time, about a quarter of a millisecond); a
 * token is immutable, so its claims are too. Safe to reuse:
 * what can change (a revoked session, a deactivated user) is what
 * authenticateClaims checks in the database on every call, and the expiry
 * is checked there against the clock. Only tokens that decrypted under the
 * current secret are kept, so a forged one never enters.
 */
const decoded = new LRUCache<string, JWT>({ max: 10_000 });
let decodedWith: string | undefined;

/**
 * The live session behind decoded JWT claims, or null. Tokens without a
 * session id (issued before sessions were tracked) are refused: they cannot
 * be revoked, so their holders sign in once more.
 */
export async function authenticateClaims(claims: JWT | null): Promise<AuthenticatedSession | null> {
  const session = sessionClaimsOf(claims);
  return session ? liveSession(session) : null;
}

/** The session `claims` names, if it is still live in the database (findSessionUser) and unexpired. */
async function liveSession(claims: SessionClaims): Promise<AuthenticatedSession | null> {
  if (claims.expiresAt <= Date.now()) return null;
  const user = await findSessionUser(claims.sessionId, claims.userId);
  return user ? { user, sessionId: claims.sessionId, expiresAt: claims.expiresAt } : null;
}
