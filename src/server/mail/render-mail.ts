import "server-only";
import { MAIL_KIND_LABELS, type MailKind } from "../../shared/mail";

export type MailContent = {
  kind: MailKind;
  recipientName: string;
  actorName: string;
  ticket: { id: string; number: number; title: string };
  /**
   * The comment's text for replies and mentions. The caller passes only what
   * the recipient may read: a requester's mail never carries a note (the
   * recipient rule never mails them about one), a staff mention may.
   */
  body?: string;
  appUrl: string;
  unsubscribeUrl: string;
};

export type RenderedMail = { subject: string; text: string; html: string };

/** A mail's subject, plain text and HTML. The HTML is minimal and every value in it is escaped. */
export function renderMail(c: MailContent): RenderedMail {
  const ref = `#${c.ticket.number} ${oneLine(c.ticket.title)}`;
  const link = `${c.appUrl}/tickets/${encodeURIComponent(c.ticket.id)}`;
  // Names are one line since they are validated so, but older ones may not
  // be: a line break in one forged whole lines of this mail (a second "Open
  // the ticket:" with another link).
  const actor = oneLine(c.actorName);
  const headline: Record<MailKind, string> = {
    reply: `${actor} replied on ${ref}`,
    resolved: `${actor} marked ${ref} as resolved`,
    assigned: `${actor} assigned ${ref} to you`,
    mention: `${actor} mentioned you on ${ref}`,
  };
  const subject: Record<MailKind, string> = {
    // Not "Re:": Tandem reads no mail, and a subject that looks like a thread invites a reply.
    reply: `[${ref}] New reply`,
    resolved: `[${ref}] Resolved`,
    assigned: `[${ref}] Assigned to you`,
    mention: `[${ref}] You were mentioned`,
  };
  return {
    subject: oneLine(subject[c.kind]),
    ...renderLayout({
      recipientName: c.recipientName,
      paragraphs: [`${headline[c.kind]}.`],
      quote: c.body,
      action: { label: "Open the ticket", url: link },
      // Tandem receives no mail: said where the reader looks, so an answer is not sent into nothing.
      after: ["Please answer on the ticket page: replies to this email are not read."],
      footer: `You get this because of your "${MAIL_KIND_LABELS[c.kind].label}" email setting.`,
      footerLink: { label: "Stop these emails", url: c.unsubscribeUrl },
    }),
  };
}

/** The parts every mail is made of, in this order. */
export type MailLayout = {
  recipientName: string;
  /** Plain sentences after the greeting. */
  paragraphs: string[];
  /** Quoted text (a comment), when there is one. */
  quote?: string;
  /** The one thing to do: a line "label: url" in text, a link in HTML. */
  action: { label: string; url: string };
  /** Plain sentences after the action. */
  after?: string[];
  /** Why the recipient gets this mail. */
  footer: string;
  footerLink?: { label: string; url: string };
};

/**
 * Plain text and HTML of one mail, built the same way for every kind
 * (notifications, invites): a greeting, paragraphs, an optional quote, one
 * action link, and a footer after a signature separator. Every value is
 * escaped in the HTML.
 */
export function renderLayout(l: MailLayout): { text: string; html: string } {
  const recipient = oneLine(l.recipientName);
  // Every line break a mail client may honour becomes a quoted line: a bare
  // CR (valid in a comment) went out raw, outside the "> " quote for clients
  // that break on it, and RFC 5322 forbids it (some servers refuse the mail).
  const quoted = l.quote?.split(LINE_BREAKS);
  const text = [
    `Hi ${recipient},`,
    "",
    ...l.paragraphs.flatMap((p, i) => (i === 0 ? [p] : ["", p])),
    ...(quoted !== undefined ? ["", ...quoted.map((line) => `> ${line}`)] : []),
    "",
    `${l.action.label}: ${l.action.url}`,
    ...(l.after ?? []).flatMap((p) => ["", p]),
    "",
    "-- ",
    l.footer,
    ...(l.footerLink ? [`${l.footerLink.label}: ${l.footerLink.url}`] : []),
    "",
  ].join("\n");
  const quote =
    quoted !== undefined
      ? `<blockquote style="margin:1em 0;padding-left:1em;border-left:3px solid #ccc;white-space:pre-wrap">${escapeHtml(quoted.join("\n"))}</blockquote>`
      : "";
  const footerLink = l.footerLink ? ` <a href="${escapeHtml(l.footerLink.url)}">${escapeHtml(l.footerLink.label)}</a>` : "";
  const html = [
    "<!doctype html>",
    `<html><body style="font-family:sans-serif;line-height:1.5">`,
    `<p>Hi ${escapeHtml(recipient)},</p>`,
    ...l.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    quote,
    `<p><a href="${escapeHtml(l.action.url)}">${escapeHtml(l.action.label)}</a></p>`,
    ...(l.after ?? []).map((p) => `<p>${escapeHtml(p)}</p>`),
    `<hr><p style="color:#666;font-size:0.9em">${escapeHtml(l.footer)}${footerLink}</p>`,
    "</body></html>",
  ].join("\n");
  return { text, html };
}

/** Text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}

/** Line breaks as mail clients may read them: CRLF, CR, LF, NEL and the Unicode line and paragraph separators. */
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/;

/**
 * Text that goes inline into a mail (a name, a title, a subject): one line,
 * without control characters or text-direction overrides. New names and
 * titles are validated so (`line()` in src/shared/schemas/text.ts); older
 * ones may not be, and a header or headline must never break on them.
 */
export function oneLine(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu, " ")
    .replace(/[\u202a-\u202e\u2066-\u2069]/gu, "")
    .replace(/ {2,}/g, " ")
    .trim();
}
