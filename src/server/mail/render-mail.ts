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
  const headline: Record<MailKind, string> = {
    reply: `${c.actorName} replied on ${ref}`,
    resolved: `${c.actorName} marked ${ref} as resolved`,
    assigned: `${c.actorName} assigned ${ref} to you`,
    mention: `${c.actorName} mentioned you on ${ref}`,
  };
  const subject: Record<MailKind, string> = {
    reply: `Re: [${ref}]`,
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
  const text = [
    `Hi ${l.recipientName},`,
    "",
    ...l.paragraphs.flatMap((p, i) => (i === 0 ? [p] : ["", p])),
    ...(l.quote !== undefined ? ["", ...l.quote.split(/\r?\n/).map((line) => `> ${line}`)] : []),
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
    l.quote !== undefined
      ? `<blockquote style="margin:1em 0;padding-left:1em;border-left:3px solid #ccc;white-space:pre-wrap">${escapeHtml(l.quote)}</blockquote>`
      : "";
  const footerLink = l.footerLink ? ` <a href="${escapeHtml(l.footerLink.url)}">${escapeHtml(l.footerLink.label)}</a>` : "";
  const html = [
    "<!doctype html>",
    `<html><body style="font-family:sans-serif;line-height:1.5">`,
    `<p>Hi ${escapeHtml(l.recipientName)},</p>`,
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

/** Titles are validated single-line, but a header must never break on one that is not. */
export function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, " ").trim();
}
