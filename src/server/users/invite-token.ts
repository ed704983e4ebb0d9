import "server-only";
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { Prisma } from "../../generated/prisma/client";
import { env } from "../env";

/** How long an invite link works. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** The stored form of a token: its SHA-256, so a database dump holds no working link. */
export function hashInviteToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * The token of invite `inviteId`: an HMAC-SHA256 of the id under the session
 * secret (43 base64url characters, as random tokens were). Derived rather
 * than random so the mail worker can put the link into an invite mail when
 * it sends it, and no queued mail ever stores a working link: the database
 * holds the id and the token's hash, and without the secret neither gives
 * the token. Rotating NEXTAUTH_SECRET voids every unused link.
 */
export function inviteToken(secret: string, inviteId: string): string {
  // Domain-separated from the secret's other uses (sessions, unsubscribe links).
  return createHmac("sha256", secret).update(`tandem:invite:v1:${inviteId}`).digest("base64url");
}

/** The page an invite link opens. */
export function inviteUrl(appUrl: string, token: string): string {
  return `${appUrl}/invite/${token}`;
}

export type IssuedInviteToken = { inviteId: string; token: string; expiresAt: Date };

/**
 * Issue a new one-time link for `userId` inside `tx`, voiding any earlier
 * unused one (only the newest link works, and a queued mail of an older one
 * is then skipped). Returns the token, which is stored nowhere.
 */
export async function issueInviteToken(tx: Prisma.TransactionClient, userId: string, now = new Date(), secret = env().NEXTAUTH_SECRET): Promise<IssuedInviteToken> {
  if (!secret) throw new Error("NEXTAUTH_SECRET is not set: invite links cannot be made");
  await tx.invite.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
  const inviteId = randomBytes(18).toString("base64url");
  const token = inviteToken(secret, inviteId);
  const expiresAt = new Date(now.getTime() + INVITE_TTL_MS);
  await tx.invite.create({ data: { id: inviteId, userId, tokenHash: hashInviteToken(token), expiresAt } });
  return { inviteId, token, expiresAt };
}

/**
 * What an account without a password stores as its hash: no password ever
 * verifies against it (it is not a hash verifyPassword can parse), until the
 * invite is accepted.
 */
export const NO_PASSWORD = "!no-password";
