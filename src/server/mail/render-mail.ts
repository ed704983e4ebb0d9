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
  const footer = `You get this because of your "${MAIL_KIND_LABELS[c.kind].label}" email setting.`;
  const text = [
    `Hi ${c.recipientName},`,
    "",
    `${headline[c.kind]}.`,
    ...(c.body !== undefined ? ["", ...c.body.split(/\r?\n/).map((l) => `> ${l}`)] : []),
    "",
    `Open the ticket: ${link}`,
    "",
    "-- ",
    footer,
    `Stop these emails: ${c.unsubscribeUrl}`,
    "",
  ].join("\n");
  const quote =
    c.body !== undefined
      ? `<blockquote style="margin:1em 0;padding-left:1em;border-left:3px solid #ccc;white-space:pre-wrap">${escapeHtml(c.body)}</blockquote>`
      : "";
  const html = [
    "<!doctype html>",
    `<html><body style="font-family:sans-serif;line-height:1.5">`,
    `<p>Hi ${escapeHtml(c.recipientName)},</p>`,
    `<p>${escapeHtml(headline[c.kind])}.</p>`,
    quote,
    `<p><a href="${escapeHtml(link)}">Open the ticket</a></p>`,
    `<hr><p style="color:#666;font-size:0.9em">${escapeHtml(footer)} <a href="${escapeHtml(c.unsubscribeUrl)}">Stop these emails</a></p>`,
    "</body></html>",
  ].join("\n");
  return { subject: oneLine(subject[c.kind]), text, html };
}

/** Text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}

/** Titles are validated single-line, but a header must never break on one that is not. */
function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, " ").trim();
}
