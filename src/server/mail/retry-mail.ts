import "server-only";
import { ID_PATTERN } from "../../shared/schemas/text";
import { db } from "../db";
import { AppError } from "../errors";
import { type Actor, authorize } from "../policy";
import { runtime } from "../runtime";

/**
 * Send a failed mail again (admins only): once the cause is fixed (an
 * address corrected, the SMTP server's refusal lifted), it goes back in the
 * queue, due now, with its attempts from zero. The worker checks it again
 * before sending, as any mail: an invite whose link was used or replaced, or
 * a notification the person has read meanwhile, is skipped. Only a failed
 * mail: one waiting for a retry is still on its way.
 */
export async function retryMail(actor: Actor, mailId: string): Promise<{ ok: true }> {
  authorize(actor, "mail:inspect");
  if (!ID_PATTERN.test(mailId)) throw notFound();
  const { count } = await db().outboundMail.updateMany({
    where: { id: mailId, status: "failed" },
    data: { status: "pending", attempts: 0, nextAttemptAt: new Date() },
  });
  if (count === 0) {
    const exists = await db().outboundMail.findUnique({ where: { id: mailId }, select: { status: true } });
    if (!exists) throw notFound();
    throw new AppError("CONFLICT", `This mail is ${exists.status === "pending" || exists.status === "sending" ? "already on its way" : exists.status}: only a failed mail is sent again`);
  }
  runtime().wakeMailWorker?.();
  return { ok: true };
}

function notFound() {
  return new AppError("NOT_FOUND", "Mail not found");
}
