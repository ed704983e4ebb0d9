import "server-only";
import { ZInviteToken } from "../../shared/schemas/users";
import { db } from "../db";
import { hashInviteToken } from "./invite-token";

/**
 * The person an invite link is for, if the link still works (unused, not
 * expired, user active); null otherwise. For the /invite/[token] page, which
 * anyone holding the link may open.
 */
export async function findInvite(token: string): Promise<{ email: string; name: string } | null> {
  if (!ZInviteToken.safeParse(token).success) return null;
  const invite = await db().invite.findUnique({
    where: { tokenHash: hashInviteToken(token) },
    select: { usedAt: true, expiresAt: true, user: { select: { email: true, name: true, active: true } } },
  });
  if (!invite || invite.usedAt || invite.expiresAt <= new Date() || !invite.user.active) return null;
  return { email: invite.user.email, name: invite.user.name };
}
