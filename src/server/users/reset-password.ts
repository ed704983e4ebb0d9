import "server-only";
import type { TResetPassword } from "../../shared/schemas/users";
import { ID_PATTERN } from "../../shared/schemas/text";
import { recordAudit } from "../audit/record-audit";
import { db } from "../db";
import { AppError } from "../errors";
import { type Actor, authorize } from "../policy";
import { runtime } from "../runtime";
import { hashPassword } from "./hash-password";

/**
 * An admin sets a user's password (admins only). It ends every session of
 * the user and closes their sockets: a reset usually means the old password
 * is not to be trusted. It also voids the user's unused invite links. (A
 * link for the user to choose a password themselves: ./invite-user.ts.)
 */
export async function resetPassword(actor: Actor, userId: string, input: TResetPassword): Promise<{ ok: true }> {
  authorize(actor, "user:password:reset");
  if (!ID_PATTERN.test(userId)) throw notFound();
  const passwordHash = await hashPassword(input.password);
  await db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true } });
    if (!user) throw notFound();
    const now = new Date();
    await tx.user.update({ where: { id: userId }, data: { passwordHash } });
    await tx.invite.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
    await tx.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } });
    await recordAudit(tx, { actorId: actor.id, action: "user:password", targetUserId: userId, after: { password: "set by admin" } });
  });
  runtime().sockets?.closeUser(userId);
  return { ok: true };
}

function notFound() {
  return new AppError("NOT_FOUND", "User not found");
}
