import "server-only";
import type { TAcceptInvite } from "../../shared/schemas/users";
import { recordAudit } from "../audit/record-audit";
import { db } from "../db";
import { AppError } from "../errors";
import { runtime } from "../runtime";
import { hashPassword } from "./hash-password";
import { hashInviteToken } from "./invite-token";

/**
 * Use an invite link: set the password and spend the link, so it never
 * works again. Any session the user still had ends (a reset link may be
 * answering a stolen password). Returns the email to sign in with.
 */
export async function acceptInvite(input: TAcceptInvite): Promise<{ email: string }> {
  const passwordHash = await hashPassword(input.password);
  const now = new Date();
  const { email, userId } = await db().$transaction(async (tx) => {
    // Spending the link is the conditional update itself: of two tabs
    // accepting at once, exactly one matches.
    const spent = await tx.invite.updateManyAndReturn({
      where: { tokenHash: hashInviteToken(input.token), usedAt: null, expiresAt: { gt: now }, user: { active: true } },
      data: { usedAt: now },
      select: { userId: true },
    });
    const userId = spent[0]?.userId;
    if (!userId) throw new AppError("NOT_FOUND", "This invite link has expired or was already used. Ask an administrator for a new one.");
    const user = await tx.user.update({ where: { id: userId }, data: { passwordHash }, select: { email: true } });
    await tx.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } });
    await recordAudit(tx, { actorId: userId, action: "user:password", targetUserId: userId, after: { password: "set with a link" } });
    return { email: user.email, userId };
  });
  runtime().sockets?.closeUser(userId);
  return { email };
}
