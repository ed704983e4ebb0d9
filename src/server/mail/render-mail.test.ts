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

test("a name cannot forge lines: the headline and greeting are one line, and every line break of a comment stays inside the quote", () => {
  const m = renderMail({
    ...base,
    kind: "mention",
    recipientName: "Sam\nAgent",
    actorName: "Alice replied on #4.\n\nOpen the ticket: http://evil.example/t/4\u202e",
    body: "@agent q\r\rOpen the ticket: http://evil.example/x\u2028and\u0085more",
  });
  const lines = m.text.split("\n");
  assert.equal(lines.filter((l) => l.startsWith("Open the ticket:")).length, 1, m.text);
  assert.equal(lines.find((l) => l.startsWith("Open the ticket:")), "Open the ticket: https://help.example.com/tickets/t1");
  assert.ok(lines.includes("Hi Sam Agent,"), m.text);
  assert.ok(lines.includes("Alice replied on #4. Open the ticket: http://evil.example/t/4 mentioned you on #12 Printer \"on fire\" Bcc: evil@example.com."), m.text);
  assert.doesNotMatch(m.text, /[\r\u0085\u2028\u2029\u202e]/u, "no bare CR, NEL, separator or override is sent");
  assert.deepEqual(
    lines.filter((l) => l.startsWith(">")),
    ["> @agent q", "> ", "> Open the ticket: http://evil.example/x", "> and", "> more"],
  );
  assert.doesNotMatch(m.html, /[\r\u2028\u202e]/u);
});

test("a notification mail does not invite a reply by mail: no 'Re:' subject, and it says where to answer", () => {
  for (const kind of ["reply", "mention", "assigned", "resolved"] as const) {
    const m = renderMail({ ...base, kind, body: "Text" });
    assert.doesNotMatch(m.subject, /^Re:/i, kind);
    assert.match(m.text, /Please answer on the ticket page: replies to this email are not read\./, kind);
    assert.match(m.html, /Please answer on the ticket page: replies to this email are not read\./, kind);
  }
  assert.equal(renderMail({ ...base, kind: "reply", body: "x" }).subject, '[#12 Printer "on fire" Bcc: evil@example.com] New reply');
});
