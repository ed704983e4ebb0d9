import "server-only";
import type { MailProblemDTO, MailQueueDTO } from "../../shared/mail";
import { db } from "../db";
import { type Actor, authorize } from "../policy";

/** How far back failed mails are listed and counted. */
const FAILED_SINCE_MS = 30 * 24 * 3600_000;
const LIMIT = 100;

/**
 * The mail queue for admins (admins only): how many mails are due, being
 * retried, failed (last 30 days) and sent (last day), and the newest 100
 * that failed or are being retried, with the SMTP server's last answer. A
 * mail that does not arrive (an invite to a mistyped address, a rotated
 * SMTP password) was otherwise only in the server log.
 */
export async function listMailQueue(actor: Actor): Promise<MailQueueDTO> {
  authorize(actor, "mail:inspect");
  const now = new Date();
  const failedSince = new Date(now.getTime() - FAILED_SINCE_MS);
  const problem = { OR: [{ status: "failed", createdAt: { gte: failedSince } }, { status: "pending", attempts: { gt: 0 } }] };
  const [due, retrying, failed, sentLastDay, rows] = await Promise.all([
    db().outboundMail.count({ where: { status: { in: ["pending", "sending"] }, nextAttemptAt: { lte: now } } }),
    db().outboundMail.count({ where: { status: "pending", attempts: { gt: 0 } } }),
    db().outboundMail.count({ where: { status: "failed", createdAt: { gte: failedSince } } }),
    db().outboundMail.count({ where: { status: "sent", sentAt: { gte: new Date(now.getTime() - 24 * 3600_000) } } }),
    db().outboundMail.findMany({
      where: problem,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: LIMIT,
      select: {
        id: true,
        kind: true,
        subject: true,
        status: true,
        attempts: true,
        lastError: true,
        createdAt: true,
        nextAttemptAt: true,
        user: { select: { name: true, email: true } },
      },
    }),
  ]);
  const problems: MailProblemDTO[] = rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    to: { name: r.user.name, email: r.user.email },
    subject: r.subject,
    status: r.status === "failed" ? "failed" : "pending",
    attempts: r.attempts,
    lastError: r.lastError,
    createdAt: r.createdAt.toISOString(),
    nextAttemptAt: r.nextAttemptAt.toISOString(),
  }));
  return { counts: { due, retrying, failed, sentLastDay }, problems };
}
