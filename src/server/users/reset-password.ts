import "server-only";
import type { TResetPassword } from "../../shared/schemas/users";
import { ID_PATTERN } from "../../shared/schemas/text";
import { recordAudit } from "../audit/record-audit";
import { db } from "../db";
import { AppError } from "../errors";
import { type Actor, authorize } from "../policy";
import { runtime } from "../runtime";
import { hashPassword } from "./hash-password";
import { inviteUrl, issueInviteToken } from "./invite-token";

export type ResetResult = { ok: true; invite?: { url: string; expiresAt: string } };

/**
 * An admin sets a user's password, or issues a new invite link for them to
 * set one (admins only).
 *
 * Setting a password ends every session of the user and closes their
 * sockets: a reset usually means the old password is not to be trusted.
 * An invite link changes nothing until it is used (accepting it ends the
 * sessions then); it voids the user's earlier links.
 */
export async function resetPassword(actor: Actor, userId: string, input: TResetPassword): Promise<ResetResult> {
  authorize(actor, "user:password:reset");
  if (!ID_PATTERN.test(userId)) throw notFound();
  const passwordHash = "password" in input ? await hashPassword(input.password) : undefined;
  const result = await db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true } });
    if (!user) throw notFound();
    if (passwordHash !== undefined) {
      await tx.user.update({ where: { id: userId }, data: { passwordHash } });
      await tx.invite.updateMany({ where: { userId, usedAt: null }, data: { usedAt: new Date() } });
      await tx.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
      await recordAudit(tx, { actorId: actor.id, action: "user:password", targetUserId: userId, after: { password: "set by admin" } });
      return { ok: true as const };
    }
    const invite = await issueInviteToken(tx, userId);
    await recordAudit(tx, { actorId: actor.id, action: "user:invite", targetUserId: userId, after: { expiresAt: invite.expiresAt.toISOString() } });
    return { ok: true as const, invite: { url: inviteUrl(invite.token), expiresAt: invite.expiresAt.toISOString() } };
  });
  if (passwordHash !== undefined) runtime().sockets?.closeUser(userId);
  return result;
}

function notFound() {
  return new AppError("NOT_FOUND", "User not found");
}
