/**
 * `npm run user -- reset-password`: set any user's password from the
 * command line (see operator-create-admin.ts). Ends all of the user's
 * sessions: a running PostgreSQL deployment's sockets notice within
 * SESSION_RECHECK_SECONDS, as the command cannot reach them directly.
 */
import type { PrismaClient } from "../../generated/prisma/client";
import { recordAudit } from "../audit/record-audit";
import { hashPassword } from "./hash-password";

export async function operatorResetPassword(prisma: PrismaClient, input: { email: string; password: string }): Promise<{ id: string; active: boolean }> {
  const passwordHash = await hashPassword(input.password);
  return prisma.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email: input.email }, select: { id: true, active: true } });
    if (!user) throw new Error(`No user with email ${input.email}.`);
    const now = new Date();
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await tx.invite.updateMany({ where: { userId: user.id, usedAt: null }, data: { usedAt: now } });
    await tx.session.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: now } });
    await recordAudit(tx, { actorId: null, action: "user:password", targetUserId: user.id, after: { password: "set by operator" } });
    return user;
  });
}
