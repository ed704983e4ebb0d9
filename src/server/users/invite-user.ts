import "server-only";
import type { InviteIssued } from "../../shared/invite";
import { ID_PATTERN } from "../../shared/schemas/text";
import { recordAudit } from "../audit/record-audit";
import { db } from "../db";
import { AppError } from "../errors";
import { type Actor, authorize } from "../policy";
import { NO_PASSWORD } from "./invite-token";
import { auditedDelivery, invitesCommitted, issueInvite } from "./issue-invite";

/**
 * Issue a fresh invite link for a user (admins only): for someone who never
 * used theirs (lost, expired), or as a reset link for someone who has a
 * password (it changes nothing until used; accepting it ends their sessions).
 * Every older unused link of the user stops working, and an older invite
 * mail still queued is not sent. Mailed when mail is on, else answered.
 * A deactivated user is a 409: their link would not work.
 */
export async function inviteUser(actor: Actor, userId: string): Promise<{ invite: InviteIssued }> {
  authorize(actor, "user:invite");
  const notFound = new AppError("NOT_FOUND", "User not found");
  if (!ID_PATTERN.test(userId)) throw notFound;
  const invite = await db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, email: true, name: true, active: true, passwordHash: true } });
    if (!user) throw notFound;
    if (!user.active) throw new AppError("CONFLICT", `${user.name} is deactivated: reactivate them first, an invite link does not work for a deactivated account`);
    const issued = await issueInvite(tx, { inviterId: actor.id, user, purpose: user.passwordHash === NO_PASSWORD ? "welcome" : "reset" });
    await recordAudit(tx, { actorId: actor.id, action: "user:invite", targetUserId: userId, after: { delivery: auditedDelivery(issued), expiresAt: issued.expiresAt } });
    return issued;
  });
  invitesCommitted(invite);
  return { invite };
}
