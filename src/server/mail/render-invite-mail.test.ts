import assert from "node:assert/strict";
import { test } from "node:test";
import { INVITE_URL_SLOT, renderInviteMail } from "./render-invite-mail";
import { escapeHtml } from "./render-mail";

const base = {
  recipientName: "Nora <New>",
  inviterName: "Ada & Co\r\nBcc: evil@example.com",
  expiresAt: new Date("2026-12-12T14:03:00Z"),
  appUrl: "https://help.example.com",
};

test("an invitation names the inviter and the expiry, with the link's slot in both parts and no unsubscribe", () => {
  const m = renderInviteMail({ ...base, purpose: "welcome" });
  assert.doesNotMatch(m.subject, /[\r\n]/, "one-line subject whatever the name holds");
  assert.match(m.subject, /^Ada & Co Bcc: evil@example\.com invited you to Tandem \(help\.example\.com\)$/);
  assert.match(m.text, /^Hi Nora <New>,/);
  assert.match(m.text, /invited you to Tandem, the helpdesk at https:\/\/help\.example\.com\./);
  assert.match(m.text, new RegExp(`Choose your password: ${INVITE_URL_SLOT.replace(/[{}.]/g, "\\$&")}\n`));
  // In UTC, whatever the server's zone; ICU versions differ on the punctuation.
  assert.match(m.text, /until Saturday,? 12 December 2026(,| at) 14:03 UTC\./);
  assert.equal(escapeHtml(INVITE_URL_SLOT), INVITE_URL_SLOT, "escaping leaves the slot as it is");
  assert.ok(m.html.includes(`<a href="${INVITE_URL_SLOT}">Choose your password</a>`));
  assert.match(m.html, /Hi Nora &lt;New&gt;/);
  assert.match(m.html, /Ada &amp; Co/);
  assert.doesNotMatch(m.text + m.html, /unsubscribe|Stop these emails/i);
});

test("a reset link for an account with a password says what it is", () => {
  const m = renderInviteMail({ ...base, inviterName: "Ada Admin", purpose: "reset" });
  assert.equal(m.subject, "Set a new Tandem password (help.example.com)");
  assert.match(m.text, /Ada Admin sent you a link to set a new password/);
  assert.match(m.text, /your password stays as it is unless the link is used/);
});
