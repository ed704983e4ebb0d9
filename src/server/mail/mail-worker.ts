import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import { isMailKind } from "../../shared/mail";
import { mailKindsFor, mayBeNotifiedOf } from "../policy";
import type { Role } from "../../shared/enums";
import { type EmailRow, emailSettingsFromRow } from "./email-settings-row";
import { inviteToken, inviteUrl } from "../users/invite-token";
import { INVITE_URL_SLOT } from "./render-invite-mail";
import { escapeHtml } from "./render-mail";
import { isInstallationFailure, isPermanentSmtpFailure, type MailMessage, type MailTransport } from "./smtp-transport";
import { oneClickUnsubscribeUrl } from "./unsubscribe-token";

/** The lease (see ../engine/cluster-connection.ts) under which one process at a time sends. */
export const MAIL_WORKER_LEASE = "mail-sender";

/** How long a claimed row is this worker's: past it, a worker that died mid-send has its row claimed again. */
const CLAIM_SECONDS = 300;
const BATCH = 20;
const MAX_RETRY_SECONDS = 3600;
/**
 * A mail held back by the installation's SMTP failing (unreachable, a wrong
 * password, a refused sender: not this mail's own fault) is retried past
 * maxAttempts, at most hourly, until it is this old: an SMTP outage
 * overnight or over a weekend must not lose what was queued meanwhile.
 */
const GIVE_UP_AFTER_MS = 3 * 24 * 3600_000;
/**
 * How long stop() waits for the mail in hand. The process must be gone
 * within SHUTDOWN_GRACE_MS (10 s), and one SMTP send may take two minutes;
 * past this the claim is handed back instead, due again in HAND_BACK_SECONDS.
 */
const STOP_WAIT_MS = 4_000;
/**
 * When a mail handed back mid-send is due again: late enough that the send
 * this process had in flight is over (its connection closes as the process
 * exits, and an SMTP server delivers only what it answered 250 to), so it is
 * not sent twice, and far sooner than the claim running out (5 minutes).
 */
const HAND_BACK_SECONDS = 30;

export type Lease = { acquire(name: string): Promise<boolean>; held(name: string): boolean };

export type MailWorkerDeps = {
  prisma: PrismaClient;
  lease: Lease;
  transport: MailTransport;
  appUrl: () => string;
  secret: string;
  maxAttempts: number;
  retrySeconds: number;
  pollMs: number;
  log: { info(msg: string): void; warn(msg: string): void; error(msg: string, e?: unknown): void };
};

export type MailWorker = {
  /** Mails may be due now. */
  wake(): void;
  /** Stop after the mail in hand (if any) and close the transport. */
  stop(): Promise<void>;
};

type SkipCheckUser = { id: string; role: Role; active: boolean; notificationSettings: EmailRow | null };

type Claimed = {
  id: string;
  userId: string;
  /** ticketId, seq and readSeq are set for a notification, inviteId for an invite (a CHECK constraint says so). */
  ticketId: string | null;
  seq: number | null;
  kind: string;
  readSeq: number | null;
  inviteId: string | null;
  internal: boolean;
  subject: string;
  text: string;
  html: string;
  attempts: number;
  createdAt: Date;
};

/**
 * Sends queued OutboundMail rows once they are due.
 *
 * It runs where the cluster processors run: every process starts one, and
 * only the holder of the `mail-sender` lease (a PostgreSQL advisory lock; on
 * the embedded database the one process) looks at the table, so one process
 * holds SMTP connections and polls. What keeps a mail from going out twice
 * is not the lease but the claim: one UPDATE moves a due row to "sending"
 * (FOR UPDATE SKIP LOCKED), and the result is written only if the row is
 * still that claim, so two workers (a lease changing hands mid-send) never
 * send the same row. A worker that dies between the SMTP server's accept and
 * the "sent" update leaves its claim to expire (CLAIM_SECONDS): that mail is
 * sent again. So delivery is at least once; its Message-ID stays the same.
 *
 * At each claim the row is checked again: the user still active, allowed to
 * read the ticket (and the note, for one from a note), the kind still
 * applying to them and switched on (an unsubscribe stops queued mails), and
 * not already read in the app (the in-app notification of that event marked
 * read, or the ticket read up to the event in the user's numbering). Any of
 * those marks it skipped. An invite mail is sent only while its link still
 * works (see deliverInvite). An SMTP failure is retried with exponential
 * backoff up to maxAttempts; a 5xx answer (a permanent refusal) fails it at once.
 */
export function startMailWorker(deps: MailWorkerDeps): MailWorker {
  const { prisma, lease, log } = deps;
  let stopped = false;
  let woken = false;
  let interrupt: (() => void) | undefined;

  function sleep(ms: number): Promise<void> {
    if (stopped || woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interrupt = undefined;
        woken = false;
        resolve();
      }
      interrupt = done;
    });
  }

  /**
   * Claim the due mails, oldest first (in the order their events happened,
   * so a "Resolved" never arrives before the reply just before it: UPDATE …
   * RETURNING gives rows back in no particular order).
   */
  async function claimDue(): Promise<Claimed[]> {
    const claimed = await prisma.$queryRaw<Claimed[]>`
      UPDATE "OutboundMail" SET "status" = 'sending', "attempts" = "attempts" + 1,
        "nextAttemptAt" = now() + ${CLAIM_SECONDS}::int * interval '1 second'
      WHERE "id" IN (
        SELECT "id" FROM "OutboundMail"
        WHERE "status" IN ('pending', 'sending') AND "nextAttemptAt" <= now()
        ORDER BY "nextAttemptAt" LIMIT ${BATCH}
        FOR UPDATE SKIP LOCKED)
      RETURNING "id", "userId", "ticketId", "seq", "kind", "readSeq", "inviteId", "internal", "subject", "text", "html", "attempts", "createdAt"`;
    return claimed.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.seq ?? 0) - (b.seq ?? 0) || (a.id < b.id ? -1 : 1));
  }

  /**
   * Just before a claimed mail is sent: renew its claim for a full
   * CLAIM_SECONDS, if it is still ours. A batch is sent one mail at a time,
   * so with a slow or unreachable SMTP server the last ones of a batch came
   * up after their claim had run out, and a worker that took the lease
   * meanwhile could already have claimed and sent them: they were sent twice.
   * `attempts` is the claim's token (every claim increments it).
   */
  async function stillOurs(mail: Claimed): Promise<boolean> {
    const count = await prisma.$executeRaw`
      UPDATE "OutboundMail" SET "nextAttemptAt" = now() + ${CLAIM_SECONDS}::int * interval '1 second'
      WHERE "id" = ${mail.id} AND "status" = 'sending' AND "attempts" = ${mail.attempts} AND "nextAttemptAt" > now()`;
    return count === 1;
  }

  /** Record the outcome of a claim, unless the claim is no longer ours (it expired and was taken). */
  async function finish(mail: Claimed, data: { status: string; lastError?: string | null; nextAttemptAt?: Date; sentAt?: Date }) {
    const { count } = await prisma.outboundMail.updateMany({ where: { id: mail.id, status: "sending", attempts: mail.attempts }, data });
    if (count === 1) return;
    // Handed back by stop() while its send went on: if nobody has claimed it
    // since, this outcome is still the one to keep (a send that completed
    // in the last seconds before the exit is not sent again).
    if (handedBack === mail.id) {
      const late = await prisma.outboundMail.updateMany({ where: { id: mail.id, status: "pending", attempts: mail.attempts - 1 }, data: { ...data, attempts: mail.attempts } });
      if (late.count === 1) return;
    }
    log.warn(`mail ${mail.id}: its claim expired before it finished; the newer claim decides`);
  }

  /** Hand back claims this worker will not get to (it is stopping), so the next one need not wait for them to expire. */
  async function release(mails: Claimed[], dueInSeconds = 0) {
    for (const mail of mails) {
      await prisma.outboundMail.updateMany({
        where: { id: mail.id, status: "sending", attempts: mail.attempts },
        data: { status: "pending", attempts: mail.attempts - 1, nextAttemptAt: new Date(Date.now() + dueInSeconds * 1000) },
      });
    }
  }

  async function whySkip(
    mail: Claimed & { ticketId: string; seq: number; readSeq: number },
    user: SkipCheckUser,
    ticket: { requesterId: string; assigneeId: string | null; status: string } | null,
  ): Promise<string | null> {
    if (!ticket) return "the ticket is gone";
    // Reassigned or reopened within MAIL_DELAY_SECONDS: the mail would no longer be true.
    if (mail.kind === "assigned" && ticket.assigneeId !== user.id) return "the ticket was assigned to someone else since";
    if (mail.kind === "resolved" && ticket.status !== "RESOLVED" && ticket.status !== "CLOSED") return "the ticket was reopened since";
    // Assigned away and back, or resolved, reopened and resolved again, within
    // the delay: the newer mail says the same, and one is enough.
    if (mail.kind === "assigned" || mail.kind === "resolved") {
      const newer = await prisma.outboundMail.findFirst({
        where: { userId: mail.userId, ticketId: mail.ticketId, kind: mail.kind, seq: { gt: mail.seq }, status: { in: ["pending", "sending", "sent"] } },
        select: { id: true },
      });
      if (newer) return "a newer mail of this kind about the ticket replaces it";
    }
    if (!mayBeNotifiedOf(user, { internal: mail.internal }, ticket)) return "the user may no longer see this";
    if (!isMailKind(mail.kind) || !mailKindsFor(user).includes(mail.kind)) return "this kind no longer applies to the user";
    if (!emailSettingsFromRow(user.notificationSettings, user)[mail.kind]) return "the user switched this email off";
    const [read, notification] = await Promise.all([
      prisma.ticketRead.findUnique({ where: { userId_ticketId: { userId: mail.userId, ticketId: mail.ticketId } }, select: { seq: true } }),
      prisma.notification.findFirst({ where: { userId: mail.userId, ticketId: mail.ticketId, seq: mail.seq, readAt: { not: null } }, select: { id: true } }),
    ]);
    if (notification) return "read in the app (notification)";
    if (read && read.seq >= mail.readSeq) return "read in the app (ticket)";
    return null;
  }

  async function deliver(mail: Claimed) {
    if (mail.inviteId !== null) return deliverInvite(mail, mail.inviteId);
    const { ticketId, seq, readSeq } = mail;
    if (ticketId === null || seq === null || readSeq === null) return finish(mail, { status: "skipped", lastError: "not about a ticket" });
    const [user, ticket] = await Promise.all([
      prisma.user.findUnique({
        where: { id: mail.userId },
        select: {
          id: true,
          name: true,
          email: true,
          role: true,
          active: true,
          notificationSettings: { select: { emailReply: true, emailResolved: true, emailAssigned: true, emailMention: true } },
        },
      }),
      prisma.ticket.findUnique({ where: { id: ticketId }, select: { requesterId: true, assigneeId: true, status: true } }),
    ]);
    const skip = user ? await whySkip({ ...mail, ticketId, seq, readSeq }, user, ticket) : "the user is gone";
    if (skip || !user || !isMailKind(mail.kind)) return finish(mail, { status: "skipped", lastError: skip });

    const appUrl = deps.appUrl();
    const oneClick = oneClickUnsubscribeUrl(appUrl, deps.secret, mail.userId, mail.kind);
    await send(mail, {
      to: { name: user.name, address: user.email },
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: `<${mail.id}@${new URL(appUrl).hostname}>`,
      headers: {
        "List-Unsubscribe": `<${oneClick}>`,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        // Mail clients thread a ticket's mails together.
        References: `<ticket-${ticketId}@${new URL(appUrl).hostname}>`,
        "Auto-Submitted": "auto-generated",
      },
    });
  }

  /**
   * An invite mail: sent only while its link still works (not used, not
   * replaced by a newer invite, not expired, the user active), so a mail
   * held back by retries never delivers a dead link after a re-invite. The
   * link is derived here from the invite's id and the secret and put into
   * the stored text's slot; it is never written to the database.
   */
  async function deliverInvite(mail: Claimed, inviteId: string) {
    const invite = await prisma.invite.findUnique({
      where: { id: inviteId },
      select: { usedAt: true, expiresAt: true, user: { select: { name: true, email: true, active: true } } },
    });
    const skip = !invite
      ? "the invite is gone"
      : invite.usedAt
        ? "the link was used or replaced by a newer one"
        : invite.expiresAt <= new Date()
          ? "the link expired"
          : !invite.user.active
            ? "the user is deactivated"
            : null;
    if (skip || !invite) return finish(mail, { status: "skipped", lastError: skip });
    const appUrl = deps.appUrl();
    const url = inviteUrl(appUrl, inviteToken(deps.secret, inviteId));
    await send(mail, {
      to: { name: invite.user.name, address: invite.user.email },
      subject: mail.subject,
      text: mail.text.replaceAll(INVITE_URL_SLOT, url),
      html: mail.html.replaceAll(INVITE_URL_SLOT, escapeHtml(url)),
      messageId: `<${mail.id}@${new URL(appUrl).hostname}>`,
      // Transactional (an admin asked for it): no List-Unsubscribe.
      headers: { "Auto-Submitted": "auto-generated" },
    });
  }

  /** One SMTP try of a claimed mail, and its outcome: sent, retried with backoff, or failed. */
  async function send(mail: Claimed, message: MailMessage) {
    try {
      await deps.transport.send(message);
    } catch (e) {
      const permanent = isPermanentSmtpFailure(e);
      const installation = !permanent && isInstallationFailure(e);
      if (installation) smtpFailing = true;
      const reason = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
      const tooOld = Date.now() - mail.createdAt.getTime() >= GIVE_UP_AFTER_MS;
      if (permanent || (mail.attempts >= deps.maxAttempts && (!installation || tooOld))) {
        log.error(`mail ${mail.id} (${mail.kind}) failed for good after ${mail.attempts} attempt(s): ${reason}`);
        return finish(mail, { status: "failed", lastError: reason });
      }
      const wait = Math.min(MAX_RETRY_SECONDS, deps.retrySeconds * 2 ** Math.min(mail.attempts - 1, 20));
      log.warn(`mail ${mail.id} (${mail.kind}) attempt ${mail.attempts} failed, retrying in ${wait} s: ${reason}`);
      return finish(mail, { status: "pending", lastError: reason, nextAttemptAt: new Date(Date.now() + wait * 1000) });
    }
    await finish(mail, { status: "sent", sentAt: new Date(), lastError: null });
    if (smtpFailing) {
      // SMTP works again: what its outage held back goes out now, not when
      // each mail's backoff (up to an hour) runs out.
      smtpFailing = false;
      const { count } = await prisma.outboundMail.updateMany({ where: { status: "pending", attempts: { gt: 0 }, nextAttemptAt: { gt: new Date() } }, data: { nextAttemptAt: new Date() } });
      if (count > 0) {
        log.info(`mail: SMTP answers again; ${count} mail(s) held back by its failures are due now`);
        woken = true;
      }
    }
  }

  /** The claimed mails not started yet; stop() hands them back at once. */
  let queue: Claimed[] = [];
  /** The mail being sent now, if any. */
  let inHand: Claimed | undefined;
  /** The last failure was the SMTP server's, not a mail's (see send). */
  let smtpFailing = false;
  /** The mail stop() handed back while it was being sent (see finish). */
  let handedBack: string | undefined;

  const done = (async () => {
    let failures = 0;
    while (!stopped) {
      let wait = deps.pollMs;
      try {
        if (await lease.acquire(MAIL_WORKER_LEASE)) {
          queue = await claimDue();
          const full = queue.length === BATCH;
          // One at a time: a stop waits for the mail in hand only, and SMTP servers throttle bursts anyway.
          while (queue.length > 0) {
            // Stopping, or the lease went (its connection dropped): hand the rest back.
            if (stopped || !lease.held(MAIL_WORKER_LEASE)) {
              const rest = queue;
              queue = [];
              await release(rest);
              break;
            }
            const mail = queue.shift()!;
            if (!(await stillOurs(mail))) {
              log.warn(`mail ${mail.id}: its claim ran out before its turn; left to whoever holds it now`);
              continue;
            }
            inHand = mail;
            try {
              await deliver(mail);
            } finally {
              inHand = undefined;
            }
          }
          if (full) wait = 0;
        }
        failures = 0;
      } catch (e) {
        // The database, not SMTP (deliver handles that): back off, the claims expire by themselves.
        failures++;
        wait = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        log.error(`mail worker failed (attempt ${failures}); retrying in ${wait} ms`, e);
      }
      if (wait > 0) await sleep(wait);
    }
  })();

  return {
    wake() {
      woken = true;
      interrupt?.();
    },
    async stop() {
      stopped = true;
      interrupt?.();
      // The rest of a batch is handed back now, not after the mail in hand:
      // a slow SMTP server would otherwise keep them claimed past the exit.
      const rest = queue;
      queue = [];
      await release(rest).catch((e: unknown) => log.error("mail worker: handing back claims failed", e));
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([done.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), STOP_WAIT_MS)))]);
      clearTimeout(timer);
      const stuck = inHand;
      if (!finished && stuck) {
        handedBack = stuck.id;
        log.warn(`mail ${stuck.id}: still being sent at shutdown; handed back, due again in ${HAND_BACK_SECONDS} s`);
        await release([stuck], HAND_BACK_SECONDS).catch((e: unknown) => log.error("mail worker: handing back claims failed", e));
      }
      deps.transport.close();
    },
  };
}
