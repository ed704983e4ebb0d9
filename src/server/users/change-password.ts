import "server-only";
import type { SessionUser } from "../../shared/dto";
import type { TChangePassword } from "../../shared/schemas/users";
import { recordAudit } from "../audit/record-audit";
import { db } from "../db";
import { AppError } from "../errors";
import { authorize } from "../policy";
import { runtime } from "../runtime";
import { hashPassword, verifyPassword } from "./hash-password";

/**
 * The signed-in user changes their own password. The current password is
 * required (a session left open on a shared computer must not be enough to
 * take the account over). Every other session of the user ends and its
 * sockets close; the session making the change stays signed in.
 */
export async function changePassword(actor: SessionUser, currentSessionId: string, input: TChangePassword): Promise<{ revoked: number }> {
  authorize(actor, "account:update:own");
  const user = await db().user.findUniqueOrThrow({ where: { id: actor.id }, select: { passwordHash: true } });
  if (!(await verifyPassword(user.passwordHash, input.currentPassword)).ok) {
    throw new AppError("VALIDATION", "Your current password is not correct", { currentPassword: ["Incorrect current password"] });
  }
  const passwordHash = await hashPassword(input.newPassword);
  const now = new Date();
  const ended = await db().$transaction(async (tx) => {
    // Only if unchanged since it was checked: a concurrent change wins, and this one is refused.
    const { count } = await tx.user.updateMany({ where: { id: actor.id, passwordHash: user.passwordHash }, data: { passwordHash } });
    if (count === 0) throw new AppError("CONFLICT", "Your password was changed meanwhile; try again");
    await tx.invite.updateMany({ where: { userId: actor.id, usedAt: null }, data: { usedAt: now } });
    await recordAudit(tx, { actorId: actor.id, action: "user:password", targetUserId: actor.id, after: { password: "changed by the user" } });
    return tx.session.updateManyAndReturn({
      where: { userId: actor.id, id: { not: currentSessionId }, revokedAt: null },
      data: { revokedAt: now },
      select: { id: true },
    });
  });
  runtime().sockets?.closeSessions(ended.map((s) => s.id));
  return { revoked: ended.length };
}
