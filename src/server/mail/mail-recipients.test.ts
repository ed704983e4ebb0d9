import assert from "node:assert/strict";
import { test } from "node:test";
import type { Role } from "../../shared/enums";
import type { EmailSettingsDTO } from "../../shared/mail";
import type { RecordedTicketEvent } from "../events/view-event";
import { defaultEmailSettingsFor } from "../policy";
import { type MailCandidate, type MailContext, mailRecipientsOf } from "./mail-recipients";

const user = (id: string, role: Role, email: Partial<EmailSettingsDTO> = {}, active = true): MailCandidate => ({
  id,
  role,
  active,
  email: { ...defaultEmailSettingsFor({ id, role }), ...email },
});
const alice = user("alice", "REQUESTER");
const agent = user("agent", "AGENT");
const admin = user("admin", "ADMIN");
const ref = (u: MailCandidate) => ({ id: u.id, name: u.id });

function ctx(people: MailCandidate[] = [alice, agent, admin]): MailContext {
  return {
    ticket: { requesterId: "alice", assigneeId: "agent" },
    users: new Map(people.map((u) => [u.id, u])),
    staffByHandle: new Map([
      ["agent", ["agent"]],
      ["admin", ["admin"]],
      ["alice", ["alice"]],
    ]),
  };
}
const at = "2026-12-05T10:00:00.000Z";
const ticketDTO = {
  id: "t1", number: 7, title: "Printer", description: "d", status: "RESOLVED" as const, priority: "MEDIUM" as const,
  requester: ref(alice), assignee: ref(agent), version: 2, lastSeq: 6, createdAt: at, updatedAt: at,
};
function comment(by: MailCandidate, body: string, internal = false): RecordedTicketEvent {
  return {
    ticketId: "t1", seq: 5, publicSeq: internal ? null : 4, at, actor: ref(by), type: "comment:added",
    data: { comment: { id: "c1", ticketId: "t1", body, internal, author: { ...ref(by), role: by.role }, createdAt: at } },
  };
}
function updated(by: MailCandidate, changes: object): RecordedTicketEvent {
  return { ticketId: "t1", seq: 6, publicSeq: 5, at, actor: ref(by), type: "ticket:updated", data: { ticket: ticketDTO, changes } } as RecordedTicketEvent;
}

test("defaults: a public staff reply mails the requester; staff get nothing until they opt in", () => {
  assert.deepEqual(mailRecipientsOf(comment(admin, "@agent fixed"), ctx()), [{ userId: "alice", kind: "reply" }]);
  const optedIn = user("agent", "AGENT", { mention: true, reply: true });
  assert.deepEqual(
    mailRecipientsOf(comment(admin, "@agent fixed"), ctx([alice, optedIn, admin])).sort((a, b) => a.userId.localeCompare(b.userId)),
    [
      { userId: "agent", kind: "mention" },
      { userId: "alice", kind: "reply" },
    ],
  );
});

test("an internal note never mails the requester, whatever her switches or the note says", () => {
  const eager = user("alice", "REQUESTER", { reply: true, resolved: true, mention: true, assigned: true });
  const optedIn = user("agent", "AGENT", { mention: true });
  assert.deepEqual(mailRecipientsOf(comment(admin, "@alice @agent look", true), ctx([eager, optedIn, admin])), [{ userId: "agent", kind: "mention" }]);
  assert.deepEqual(mailRecipientsOf(comment(admin, "no mention", true), ctx([eager, optedIn, admin])), []);
});

test("resolution mails the requester (not when she resolved it, nor with the switch off); assignment only staff who opted in", () => {
  assert.deepEqual(mailRecipientsOf(updated(agent, { status: { from: "OPEN", to: "RESOLVED" } }), ctx()), [{ userId: "alice", kind: "resolved" }]);
  assert.deepEqual(mailRecipientsOf(updated(agent, { status: { from: "OPEN", to: "WAITING" } }), ctx()), []);
  assert.deepEqual(mailRecipientsOf(updated(alice, { status: { from: "OPEN", to: "RESOLVED" } }), ctx()), []);
  const quiet = user("alice", "REQUESTER", { resolved: false });
  assert.deepEqual(mailRecipientsOf(updated(agent, { status: { from: "OPEN", to: "RESOLVED" } }), ctx([quiet, agent, admin])), []);
  const gone = user("alice", "REQUESTER", {}, false);
  assert.deepEqual(mailRecipientsOf(updated(agent, { status: { from: "OPEN", to: "RESOLVED" } }), ctx([gone, agent, admin])), []);

  const assign = updated(admin, { assignee: { from: null, to: ref(agent) } });
  assert.deepEqual(mailRecipientsOf(assign, ctx()), []);
  assert.deepEqual(mailRecipientsOf(assign, ctx([alice, user("agent", "AGENT", { assigned: true }), admin])), [{ userId: "agent", kind: "assigned" }]);
});

test("the actor is never mailed about their own reply", () => {
  const agentOn = user("agent", "AGENT", { reply: true });
  assert.deepEqual(mailRecipientsOf(comment(alice, "thanks"), ctx([alice, agentOn, admin])), [{ userId: "agent", kind: "reply" }]);
});
