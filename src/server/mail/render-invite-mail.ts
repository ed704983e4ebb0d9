import "server-only";
import { oneLine, type RenderedMail, renderLayout } from "./render-mail";

/**
 * Where the invite link goes in a queued invite mail's text and HTML. The
 * link is a credential, so it is never stored: the worker puts it in when it
 * sends the mail (./mail-worker.ts). No character of it is changed by HTML
 * escaping, so it reads the same in both parts.
 */
export const INVITE_URL_SLOT = "{{invite.url}}";

export type InvitePurpose = "welcome" | "reset" | "self-reset";

export type InviteMailContent = {
  recipientName: string;
  inviterName: string;
  /**
   * A new account (an invitation), an account that already had a password
   * (a reset an admin sent), or a reset the person asked for themselves
   * (on "Forgot your password?"; `inviterName` is unused then).
   */
  purpose: InvitePurpose;
  expiresAt: Date;
  appUrl: string;
};

/**
 * The mail that carries an invite link: who sent it, where it leads, until
 * when it works. Transactional (asked for by an admin, about this account),
 * so no unsubscribe link, unlike the notifications of ./render-mail.ts, whose
 * layout it shares. The link is INVITE_URL_SLOT until sent.
 */
export function renderInviteMail(c: InviteMailContent): RenderedMail {
  const host = new URL(c.appUrl).host;
  const until = `${c.expiresAt.toLocaleString("en-GB", { timeZone: "UTC", dateStyle: "full", timeStyle: "short" })} UTC`;
  const welcome = c.purpose === "welcome";
  if (c.purpose === "self-reset") {
    return {
      subject: oneLine(`Set a new Tandem password (${host})`),
      ...renderLayout({
        recipientName: c.recipientName,
        paragraphs: [`Someone asked for a link to set a new password for this address on Tandem, the helpdesk at ${c.appUrl}.`],
        action: { label: "Choose a new password", url: INVITE_URL_SLOT },
        after: [`The link works once, until ${until}. Asking again sends a new link and this one stops working.`],
        footer: "If you did not ask for it, ignore this mail: your password stays as it is unless the link is used.",
      }),
    };
  }
  return {
    subject: oneLine(welcome ? `${c.inviterName} invited you to Tandem (${host})` : `Set a new Tandem password (${host})`),
    ...renderLayout({
      recipientName: c.recipientName,
      paragraphs: [
        welcome
          ? `${c.inviterName} invited you to Tandem, the helpdesk at ${c.appUrl}. Choose a password to sign in.`
          : `${c.inviterName} sent you a link to set a new password for Tandem, the helpdesk at ${c.appUrl}.`,
      ],
      action: { label: "Choose your password", url: INVITE_URL_SLOT },
      after: [`The link works once, until ${until}. A newer link from an administrator replaces it.`],
      footer: welcome
        ? "You get this because an administrator added you with this address. If you did not expect it, ignore this mail: nothing happens unless the link is used."
        : "You get this because an administrator asked for it. If you did not expect it, ignore this mail: your password stays as it is unless the link is used.",
    }),
  };
}
