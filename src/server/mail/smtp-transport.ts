import "server-only";
import nodemailer from "nodemailer";

export type MailMessage = {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  /** Stable per queued mail, so a receiver can drop the copy an at-least-once resend makes. */
  messageId: string;
  headers: Record<string, string>;
};

/** What the worker needs from SMTP; a test may pass its own. */
export type MailTransport = {
  /** Resolves once the server accepted the message; rejects with the SMTP error (`responseCode` when it answered). */
  send(message: MailMessage): Promise<void>;
  close(): void;
};

/**
 * nodemailer over SMTP_URL (smtp:// with STARTTLS when the server offers it,
 * smtps:// for implicit TLS on 465; credentials in the URL). A connection per
 * mail rather than a pool: mail is rare next to everything else, and a fresh
 * connection never trips over one the server closed meanwhile. Timeouts are
 * bounded (nodemailer waits 10 minutes for a silent socket by default) so a
 * send ends well within the worker's claim on its row.
 */
export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    async send(m) {
      await transporter.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId, headers: m.headers });
    },
    close: () => transporter.close(),
  };
}

/**
 * Whether an SMTP failure is this mail's for good: a 5xx answer to its
 * recipient (RCPT TO: no such mailbox) or to its content (DATA: refused as
 * spam, too large). Every other failure is retried: a 5xx to AUTH (535, a
 * wrong or rotated password), to MAIL FROM (a sender the server does not
 * allow) or to the greeting is the installation's, not the mail's, and once
 * the operator fixes it every queued mail must still go out. A 5xx used to
 * fail any mail at its first try, so a bad password lost every mail queued
 * while it lasted. Network errors and 4xx answers are retried too.
 */
export function isPermanentSmtpFailure(e: unknown): boolean {
  const { responseCode, command, code } = (e ?? {}) as { responseCode?: unknown; command?: unknown; code?: unknown };
  if (typeof responseCode !== "number" || responseCode < 500 || responseCode >= 600) return false;
  return command === "RCPT TO" || command === "DATA" || code === "EMESSAGE";
}

/**
 * Whether an SMTP failure is the installation's rather than this mail's:
 * no answer at all (refused, unreachable, timed out, TLS), or a refusal
 * before the mail's own recipient or content came up (greeting, AUTH, MAIL
 * FROM). The same failure would meet every mail, so it must not use up the
 * mails' attempts (see the mail worker's GIVE_UP_AFTER_MS).
 */
export function isInstallationFailure(e: unknown): boolean {
  const { responseCode, command, code } = (e ?? {}) as { responseCode?: unknown; command?: unknown; code?: unknown };
  // nodemailer could not build this message, or (an envelope error the
  // server never answered) its addresses: the mail's own. (With an answer,
  // EENVELOPE is a refusal of MAIL FROM or RCPT TO: decided below.)
  if (code === "EMESSAGE") return false;
  if (typeof responseCode !== "number") return code !== "EENVELOPE";
  // 552 to MAIL FROM: this message is over the server's size limit.
  if (command === "MAIL FROM" && responseCode === 552) return false;
  return command !== "RCPT TO" && command !== "DATA";
}

/** SMTP_URL with its password hidden, for the start-up log line. */
export function describeSmtpUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}:***@` : ""}${u.host}`;
  } catch {
    return "(unparseable SMTP_URL)";
  }
}
