import "server-only";
import type { Prisma } from "../../generated/prisma/client";
import { type InviteMailContent, renderInviteMail } from "./render-invite-mail";

/** OutboundMail.kind of a mail that carries an invite link (not one of the switchable notification kinds). */
export const INVITE_MAIL_KIND = "invite";

/**
 * Queue the mail of a just-issued invite inside `tx`, the transaction that
 * issues it: the mail exists exactly when the invite does, and one invite
 * has at most one mail (OutboundMail.inviteId is unique), so nothing a
 * request retry or a worker hand-over does can send it twice. Due at once
 * (MAIL_DELAY_SECONDS is for notifications the user may read in the app
 * first); the worker retries it with backoff like any other mail. Wake the
 * worker after the commit (runtime().wakeMailWorker).
 */
export async function queueInviteMail(
  tx: Prisma.TransactionClient,
  mail: { userId: string; inviteId: string; now: Date } & InviteMailContent,
): Promise<void> {
  const { userId, inviteId, now, ...content } = mail;
  await tx.outboundMail.create({
    data: { userId, inviteId, kind: INVITE_MAIL_KIND, ...renderInviteMail(content), nextAttemptAt: now },
  });
}
