import "server-only";
import type { Prisma } from "../../generated/prisma/client";
import type { InviteIssued } from "../../shared/invite";
import { env } from "../env";
import { queueInviteMail } from "../mail/queue-invite-mail";
import type { InvitePurpose } from "../mail/render-invite-mail";
import { runtime } from "../runtime";
import { inviteUrl, issueInviteToken } from "./invite-token";

export type InviteTarget = { id: string; email: string; name: string };

/**
 * Issue an invite link for `user` inside `tx` (voiding their older unused
 * ones) and deliver it: with mail on (SMTP_URL), queue a mail to the user
 * and answer only where it went; with mail off, answer the link for the
 * admin to pass on. `purpose` picks the mail's wording: a new account, or a
 * new password for one that has one. Call invitesCommitted after the commit.
 */
export async function issueInvite(
  tx: Prisma.TransactionClient,
  { inviterId, user, purpose, now = new Date() }: { inviterId: string; user: InviteTarget; purpose: InvitePurpose; now?: Date },
): Promise<InviteIssued> {
  const e = env();
  const issued = await issueInviteToken(tx, user.id, now);
  const expiresAt = issued.expiresAt.toISOString();
  if (!e.mailEnabled) return { delivery: "link", url: inviteUrl(e.APP_URL, issued.token), expiresAt };
  const inviter = await tx.user.findUnique({ where: { id: inviterId }, select: { name: true } });
  await queueInviteMail(tx, {
    userId: user.id,
    inviteId: issued.inviteId,
    now,
    recipientName: user.name,
    inviterName: inviter?.name ?? "An administrator",
    purpose,
    expiresAt: issued.expiresAt,
    appUrl: e.APP_URL,
  });
  return { delivery: "mail", sentTo: user.email, expiresAt };
}

/** After the transaction that issued `invite` committed: a queued mail goes out now, not at the worker's next poll. */
export function invitesCommitted(invite: InviteIssued | undefined): void {
  if (invite?.delivery === "mail") runtime().wakeMailWorker?.();
}

/** How an audit entry records an invite's delivery (never the link). */
export function auditedDelivery(invite: InviteIssued): string {
  return invite.delivery === "mail" ? `mailed to ${invite.sentTo}` : "link shown to the admin";
}
