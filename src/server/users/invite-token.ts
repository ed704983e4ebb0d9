import "server-only";
import { createHash, randomBytes } from "node:crypto";
import type { Prisma } from "../../generated/prisma/client";
import { env } from "../env";

/** How long an invite link works. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** The stored form of a token: its SHA-256, so a database dump holds no working link. */
export function hashInviteToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The link an admin hands over (mail is not part of Tandem yet). */
export function inviteUrl(token: string): string {
  return `${env().APP_URL}/invite/${token}`;
}

/**
 * Issue a new one-time link for `userId` inside `tx`, voiding any earlier
 * unused one (only the newest link works). Returns the token, which exists
 * nowhere else afterwards.
 */
export async function issueInviteToken(tx: Prisma.TransactionClient, userId: string, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  await tx.invite.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + INVITE_TTL_MS);
  await tx.invite.create({ data: { userId, tokenHash: hashInviteToken(token), expiresAt } });
  return { token, expiresAt };
}

/**
 * What an account without a password stores as its hash: no password ever
 * verifies against it (it is not a hash verifyPassword can parse), until the
 * invite is accepted.
 */
export const NO_PASSWORD = "!no-password";
