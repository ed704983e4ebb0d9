import "server-only";
import type { TRequestPasswordReset } from "../../shared/schemas/users";
import { recordAudit } from "../audit/record-audit";
import { db } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import { limiter, retryAfterSeconds, tryConsume } from "../limits/store";
import { log } from "../log";
import { invitesCommitted, issueInvite } from "./issue-invite";

const HOUR = 60 * 60;
/** Links asked for per client address and hour: a person who mistypes tries a few times. */
const PER_ADDRESS = 10;
/** Links mailed to one address per hour, whoever asks: nobody can flood someone's inbox. */
const PER_EMAIL = 3;

/**
 * "Forgot your password?": mail a one-time link to set a new password to
 * `email`, if an active account has it. The answer is the same whether or
 * not one does (the caller says "if an account exists…"), and both counts
 * are consumed before the account is looked up, so neither the answer nor
 * a 429 tells who has an account; nor does the time it takes, as the link
 * is issued after the answer. The link is an invite link of the
 * "self-reset" kind: it voids the account's older unused links, changes
 * nothing until used, and using it ends the account's sessions, like a
 * reset an admin sends. Without mail there is no way to prove the address
 * is the asker's: a 404 that says to ask an administrator.
 */
export async function requestPasswordReset(input: TRequestPasswordReset, clientAddress: string): Promise<void> {
  if (!env().mailEnabled) throw resetByMailOff();
  for (const [keyPrefix, points, key] of [
    ["reset:ip", PER_ADDRESS, clientAddress],
    ["reset:email", PER_EMAIL, input.email],
  ] as const) {
    const refused = await tryConsume(limiter({ keyPrefix, points, duration: HOUR }), key);
    if (refused) {
      const seconds = retryAfterSeconds(refused);
      throw new AppError("RATE_LIMITED", `Too many requests for a new password. Try again in ${Math.ceil(seconds / 60)} minutes.`, undefined, seconds);
    }
  }
  // After the answer, not before it: issuing a link (a transaction, a mail
  // queued) took about 25 ms more than finding no account, and that
  // difference in response time told which addresses have one.
  setImmediate(() => {
    issueSelfReset(input.email).catch((e: unknown) => log.error({ err: e }, "[tandem] issuing a password reset link failed"));
  });
}

async function issueSelfReset(email: string): Promise<void> {
  const invite = await db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email }, select: { id: true, email: true, name: true, active: true } });
    if (!user?.active) return null;
    const issued = await issueInvite(tx, { inviterId: user.id, user, purpose: "self-reset" });
    // In the audit log as the person's own invite link: "Issued invite link", by them, mailed.
    await recordAudit(tx, { actorId: user.id, action: "user:invite", targetUserId: user.id, after: { delivery: "mail", purpose: "self-reset", expiresAt: issued.expiresAt } });
    return issued;
  });
  if (invite) invitesCommitted(invite);
}

export function resetByMailOff(): AppError {
  return new AppError("NOT_FOUND", "This site cannot mail a link to reset a password. Ask an administrator to send you one.");
}
