import assert from "node:assert/strict";
import { test } from "node:test";
import { renderMail } from "./render-mail";

const base = {
  recipientName: "Alice <Requester>",
  actorName: "Sam & Co",
  ticket: { id: "t1", number: 12, title: 'Printer "on fire"\r\nBcc: evil@example.com' },
  appUrl: "https://help.example.com",
  unsubscribeUrl: "https://help.example.com/unsubscribe?token=abc.def",
};

test("a reply quotes the comment in text and escaped HTML, with the ticket and unsubscribe links", () => {
  const m = renderMail({ ...base, kind: "reply", body: "Try <script>alert(1)</script>\nthen restart" });
  assert.match(m.text, /> Try <script>alert\(1\)<\/script>\n> then restart/);
  assert.match(m.text, /Open the ticket: https:\/\/help\.example\.com\/tickets\/t1/);
  assert.match(m.text, /Stop these emails: https:\/\/help\.example\.com\/unsubscribe\?token=abc\.def/);
  assert.doesNotMatch(m.html, /<script>/);
  assert.match(m.html, /Try &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(m.html, /Hi Alice &lt;Requester&gt;/);
  assert.match(m.html, /Sam &amp; Co replied/);
});

test("the subject is one line whatever the title holds", () => {
  const m = renderMail({ ...base, kind: "resolved" });
  assert.doesNotMatch(m.subject, /[\r\n]/);
  assert.equal(m.subject, '[#12 Printer "on fire" Bcc: evil@example.com] Resolved');
});
