import assert from "node:assert/strict";
import { test } from "node:test";
import type { Role } from "../../shared/enums";
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettingsDTO } from "../../shared/notifications";
import type { RecordedTicketEvent } from "../events/view-event";
import { type Candidate, type RecipientContext, recipientsOf } from "./recipients";

const user = (id: string, role: Role, over: Partial<Omit<Candidate, "settings">> & { settings?: Partial<NotificationSettingsDTO> } = {}): Candidate => ({
  id,
  role,
  active: true,
  ...over,
  settings: { ...DEFAULT_NOTIFICATION_SETTINGS, ...over.settings },
});

const alice = user("alice", "REQUESTER");
const agent = user("agent", "AGENT");
const admin = user("admin", "ADMIN");
const ref = (u: Candidate) => ({ id: u.id, name: u.id });

function ctx(over: Partial<RecipientContext> & { people?: Candidate[] } = {}): RecipientContext {
  const people = over.people ?? [alice, agent, admin];
  return {
    ticket: { requesterId: "alice", assigneeId: "agent" },
    users: new Map(people.map((u) => [u.id, u])),
    staffByHandle: new Map([
      ["agent", ["agent"]],
      ["admin", ["admin"]],
    ]),
    newTicketWatchers: [],
    ...over,
  };
}

const at = "2026-12-05T10:00:00.000Z";
const ticketDTO = {
  id: "t1", number: 7, title: "Printer", description: "d", status: "OPEN" as const, priority: "MEDIUM" as const,
  requester: ref(alice), assignee: ref(agent), version: 1, lastSeq: 1, createdAt: at, updatedAt: at,
};

function comment(by: Candidate, body: string, internal = false): RecordedTicketEvent {
  return {
    ticketId: "t1", seq: 5, publicSeq: internal ? null : 4, at, actor: ref(by), type: "comment:added",
    data: { comment: { id: "c1", ticketId: "t1", body, internal, author: { ...ref(by), role: by.role }, createdAt: at } },
  };
}
function assigned(by: Candidate, to: Candidate | null): RecordedTicketEvent {
  return {
    ticketId: "t1", seq: 6, publicSeq: 5, at, actor: ref(by), type: "ticket:updated",
    data: { ticket: ticketDTO, changes: { assignee: { from: null, to: to && ref(to) } } },
  };
}
function created(by: Candidate): RecordedTicketEvent {
  return { ticketId: "t1", seq: 1, publicSeq: 1, at, actor: ref(by), type: "ticket:created", data: { ticket: ticketDTO } };
}
const sorted = (rs: { userId: string; kind: string }[]) => [...rs].sort((a, b) => a.userId.localeCompare(b.userId));

test("an internal note mentioning @agent notifies the agent only, never the requester", () => {
  assert.deepEqual(recipientsOf(comment(admin, "@agent see the SPF bounce", true), ctx()), [{ userId: "agent", kind: "mention" }]);
  // Even a note that names the requester's handle, or that nobody is mentioned in.
  const withAliceHandle = ctx({ staffByHandle: new Map([["alice", ["alice"]]]) });
  assert.deepEqual(recipientsOf(comment(admin, "@alice said so", true), withAliceHandle), []);
  assert.deepEqual(recipientsOf(comment(admin, "nothing to see", true), ctx()), []);
});

test("a public staff reply notifies the requester; the assignee hears replies by others", () => {
  assert.deepEqual(recipientsOf(comment(agent, "Fixed it"), ctx()), [{ userId: "alice", kind: "reply" }]);
  assert.deepEqual(recipientsOf(comment(alice, "Thanks"), ctx()), [{ userId: "agent", kind: "reply" }]);
  assert.deepEqual(sorted(recipientsOf(comment(admin, "Me too"), ctx())), [
    { userId: "agent", kind: "reply" },
    { userId: "alice", kind: "reply" },
  ]);
});

test("one notification per user: a mention wins over a reply", () => {
  assert.deepEqual(sorted(recipientsOf(comment(admin, "@agent over to you"), ctx())), [
    { userId: "agent", kind: "mention" },
    { userId: "alice", kind: "reply" },
  ]);
  // With mentions off, the assignee still hears the reply.
  const agentNoMentions = user("agent", "AGENT", { settings: { mention: false } });
  assert.deepEqual(sorted(recipientsOf(comment(admin, "@agent over to you"), ctx({ people: [alice, agentNoMentions, admin] }))), [
    { userId: "agent", kind: "reply" },
    { userId: "alice", kind: "reply" },
  ]);
});

test("never the actor, never inactive users, never a kind switched off", () => {
  assert.deepEqual(recipientsOf(comment(agent, "@agent note to self", true), ctx()), []);
  const gone = user("agent", "AGENT", { active: false });
  assert.deepEqual(recipientsOf(comment(admin, "@agent", true), ctx({ people: [alice, gone, admin] })), []);
  const quiet = user("alice", "REQUESTER", { settings: { reply: false } });
  assert.deepEqual(recipientsOf(comment(agent, "Fixed"), ctx({ people: [quiet, agent, admin] })), []);
});

test("assignment notifies the new assignee unless they assigned themselves", () => {
  assert.deepEqual(recipientsOf(assigned(admin, agent), ctx()), [{ userId: "agent", kind: "assigned" }]);
  assert.deepEqual(recipientsOf(assigned(agent, agent), ctx()), []);
  assert.deepEqual(recipientsOf(assigned(admin, null), ctx()), []);
  const off = user("agent", "AGENT", { settings: { assigned: false } });
  assert.deepEqual(recipientsOf(assigned(admin, agent), ctx({ people: [alice, off, admin] })), []);
});

test("new tickets reach only staff who opted in, and not a requester listed by mistake", () => {
  const watcher = user("admin", "ADMIN", { settings: { new_ticket: true } });
  const sneaky = user("bob", "REQUESTER", { settings: { new_ticket: true } });
  const c = ctx({ people: [alice, agent, watcher, sneaky], newTicketWatchers: ["admin", "bob", "agent"] });
  // The agent is listed but kept the default (off).
  assert.deepEqual(recipientsOf(created(alice), c), [{ userId: "admin", kind: "new_ticket" }]);
  assert.deepEqual(recipientsOf(created(watcher), c), []);
});

test("requesters are never mentioned, even in a public reply", () => {
  const c = ctx({ staffByHandle: new Map([["alice", ["alice"]]]) });
  // Alice hears it as a reply (her ticket), not as a mention.
  assert.deepEqual(recipientsOf(comment(agent, "@alice done"), c), [{ userId: "alice", kind: "reply" }]);
});
