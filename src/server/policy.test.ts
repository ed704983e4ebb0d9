import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import {
  audienceOf,
  authorize,
  can,
  cannedReplyAudience,
  cannedReplyScope,
  creatablePriorities,
  defaultPriority,
  authorizeTagFilter,
  deliveriesOf,
  isInternalEvent,
  isUnreadFor,
  roleEffectsOf,
  listsRoom,
  losesAdmin,
  mayAnnounceComposing,
  mayBeAssigned,
  mayBeMentioned,
  mayBeNotifiedOf,
  mayEditCannedReply,
  maySeeCannedReply,
  maySignUp,
  notificationKindsFor,
  notificationScope,
  ownStatusToggle,
  permissionsOf,
  plainReplyCondition,
  type PresenceEntry,
  presenceCap,
  presenceRooms,
  presenceSummaryOf,
  presenceViewFor,
  REOPENED_BY_REQUESTER_REPLY,
  reopensOnReply,
  roomsOnConnect,
  seesTags,
  statusChangeAllowed,
  ticketRoom,
  ticketScope,
} from "./policy";
import { rooms } from "../shared/realtime";
import { ROLES, TICKET_STATUSES } from "../shared/enums";

const alice = { id: "alice", role: "REQUESTER" as const };
const agent = { id: "agent", role: "AGENT" as const };
const admin = { id: "admin", role: "ADMIN" as const };
const alicesTicket = { requesterId: "alice" };
const bobsTicket = { requesterId: "bob" };

test("requesters read and comment on their own tickets only", () => {
  assert.equal(can(alice, "ticket:read", alicesTicket), true);
  assert.equal(can(alice, "comment:create", alicesTicket), true);
  assert.equal(can(alice, "attachment:read", alicesTicket), true);
  assert.equal(can(alice, "ticket:read", bobsTicket), false);
  assert.equal(can(alice, "comment:create", bobsTicket), false);
  assert.equal(can(alice, "ticket:list:all"), false);
});

test("requesters never see or write internal notes, even on their own ticket", () => {
  assert.equal(can(alice, "comment:internal:read", alicesTicket), false);
  assert.equal(can(alice, "comment:internal:create", alicesTicket), false);
});

test("only staff change workflow fields", () => {
  assert.equal(can(alice, "ticket:update:workflow", alicesTicket), false);
  assert.equal(can(alice, "ticket:update:title", alicesTicket), true);
  for (const staff of [agent, admin]) {
    assert.equal(can(staff, "ticket:update:workflow", bobsTicket), true);
    assert.equal(can(staff, "comment:internal:read", bobsTicket), true);
    assert.equal(can(staff, "ticket:read", bobsTicket), true);
    assert.equal(can(staff, "ticket:list:all"), true);
  }
});

test("authorize hides other people's tickets as NOT_FOUND and refuses the rest as FORBIDDEN", () => {
  assert.throws(() => authorize(alice, "ticket:read", bobsTicket), { code: "NOT_FOUND" });
  assert.throws(() => authorize(alice, "ticket:update:workflow", alicesTicket), { code: "FORBIDDEN" });
  assert.throws(() => authorize(alice, "user:list:staff"), { code: "FORBIDDEN" });
  assert.doesNotThrow(() => authorize(agent, "ticket:update:workflow", bobsTicket));
});

test("audiences follow the right to read internal notes", () => {
  assert.equal(audienceOf(alice), "requester");
  assert.equal(audienceOf(agent), "staff");
  assert.equal(audienceOf(admin), "staff");
  assert.equal(ticketRoom(alice, "t1"), "ticket:t1:requester");
  assert.equal(ticketRoom(agent, "t1"), "ticket:t1:staff");
});

describe("deliveriesOf: which rooms hear an event, in which numbering", () => {
  const base = { ticketId: "t1", at: "2026-01-01T00:00:00.000Z", actor: { id: "agent", name: "Agent" } };
  const comment = (internal: boolean) => ({
    ...base,
    seq: 5,
    publicSeq: internal ? null : 3,
    type: "comment:added" as const,
    data: { comment: { id: "c", ticketId: "t1", body: "b", internal, author: { id: "agent", name: "Agent", role: "AGENT" as const }, createdAt: base.at } },
  });

  test("an internal note reaches staff only: the ticket's staff room and the staff lists", () => {
    assert.deepEqual(deliveriesOf(comment(true), "alice"), [{ audience: "staff", to: ["ticket:t1:staff", "lists:staff"], except: [] }]);
  });

  test("a public comment reaches each audience's ticket room and lists, each in its numbering", () => {
    assert.deepEqual(deliveriesOf(comment(false), "alice"), [
      { audience: "staff", to: ["ticket:t1:staff", "lists:staff"], except: [] },
      { audience: "requester", to: ["ticket:t1:requester", "lists:user:alice"], except: [] },
    ]);
  });

  test("a ticket change reaches all staff, and its requester unless they are staff", () => {
    const event = {
      ...base,
      seq: 5,
      publicSeq: 3,
      type: "ticket:updated" as const,
      data: {
        ticket: {
          id: "t1", number: 1, title: "T", description: "d", status: "OPEN" as const, priority: "LOW" as const,
          requester: { id: "alice", name: "Alice" }, assignee: null, version: 2, lastSeq: 5, createdAt: base.at, updatedAt: base.at,
        },
        changes: {},
      },
    };
    assert.deepEqual(deliveriesOf(event, "alice"), [
      { audience: "staff", to: ["staff"], except: [] },
      { audience: "requester", to: ["user:alice"], except: ["staff"] },
    ]);
  });

  test("no socket is in rooms of both audiences of one ticket", () => {
    for (const actor of [alice, agent, admin]) {
      const mine = [ticketRoom(actor, "t1"), listsRoom(actor)];
      const other = deliveriesOf(comment(false), "alice").find((d) => d.audience !== audienceOf(actor))!.to;
      assert.equal(other.some((room) => mine.includes(room)), false);
    }
  });
});

test("only admins change users; everyone may end their own other sessions", () => {
  assert.equal(can(admin, "user:update"), true);
  assert.equal(can(agent, "user:update"), false);
  assert.equal(can(alice, "user:update"), false);
  assert.throws(() => authorize(agent, "user:update"), { code: "FORBIDDEN" });
  for (const actor of [alice, agent, admin]) assert.equal(can(actor, "session:revoke:own"), true);
});

test("one audience rule: query scope, rooms, assignability, the last admin and the UI's permissions all come from the policy", () => {
  const requester = { id: "r1", role: "REQUESTER" as const };
  const agent = { id: "a1", role: "AGENT" as const };
  const admin = { id: "ad", role: "ADMIN" as const };
  assert.deepEqual(ticketScope(requester), { requesterId: "r1" }, "a requester's queries match only their own tickets");
  assert.deepEqual(ticketScope(agent), {});
  assert.deepEqual(roomsOnConnect(requester), ["user:r1"]);
  assert.deepEqual(roomsOnConnect(agent), ["user:a1", "staff"]);
  assert.equal(mayBeAssigned({ role: "AGENT", active: true }), true);
  assert.equal(mayBeAssigned({ role: "ADMIN", active: true }), true);
  assert.equal(mayBeAssigned({ role: "REQUESTER", active: true }), false);
  assert.equal(mayBeAssigned({ role: "AGENT", active: false }), false);
  assert.equal(losesAdmin({ role: "ADMIN", active: true }, { role: "AGENT" }), true);
  assert.equal(losesAdmin({ role: "ADMIN", active: true }, { active: false }), true);
  assert.equal(losesAdmin({ role: "ADMIN", active: true }, { role: "ADMIN", active: true }), false);
  assert.equal(losesAdmin({ role: "AGENT", active: true }, { active: false }), false);
  const none = { manageUsers: false, manageSettings: false, readAudit: false, inspectRealtime: false, inspectMail: false };
  const all = { manageUsers: true, manageSettings: true, readAudit: true, inspectRealtime: true, inspectMail: true };
  assert.deepEqual(permissionsOf(requester), { seeAllTickets: false, changeWorkflow: false, writeInternal: false, closeOwnTickets: true, useCannedReplies: false, manageSharedCannedReplies: false, tagTickets: false, ...none });
  assert.deepEqual(permissionsOf(agent), { seeAllTickets: true, changeWorkflow: true, writeInternal: true, closeOwnTickets: true, useCannedReplies: true, manageSharedCannedReplies: false, tagTickets: true, ...none });
  assert.deepEqual(permissionsOf(admin), { seeAllTickets: true, changeWorkflow: true, writeInternal: true, closeOwnTickets: true, useCannedReplies: true, manageSharedCannedReplies: true, tagTickets: true, ...all });
});

test("administration is for admins only; everyone edits their own account", () => {
  for (const action of ["user:list", "user:create", "user:update", "user:password:reset", "user:invite", "settings:update", "audit:read", "mail:inspect"] as const) {
    assert.equal(can(admin, action), true, action);
    assert.equal(can(agent, action), false, action);
    assert.equal(can(alice, action), false, action);
  }
  for (const who of [alice, agent, admin]) assert.equal(can(who, "account:update:own"), true);
});

test("a requester only closes and reopens their own ticket; staff set any status", () => {
  const own = (status: "OPEN" | "IN_PROGRESS" | "WAITING" | "RESOLVED" | "CLOSED") => ({ requesterId: "alice", status });
  assert.equal(statusChangeAllowed(alice, own("OPEN"), "CLOSED"), true);
  assert.equal(statusChangeAllowed(alice, own("WAITING"), "CLOSED"), true);
  assert.equal(statusChangeAllowed(alice, own("CLOSED"), "OPEN"), true);
  assert.equal(statusChangeAllowed(alice, own("RESOLVED"), "OPEN"), false, "only a closed ticket reopens");
  assert.equal(statusChangeAllowed(alice, own("OPEN"), "IN_PROGRESS"), false);
  assert.equal(statusChangeAllowed(alice, own("CLOSED"), "RESOLVED"), false);
  assert.equal(statusChangeAllowed(alice, { requesterId: "bob", status: "OPEN" }, "CLOSED"), false);
  assert.equal(statusChangeAllowed(agent, { requesterId: "bob", status: "OPEN" }, "RESOLVED"), true);
  assert.equal(ownStatusToggle("CLOSED"), "OPEN");
  assert.equal(ownStatusToggle("WAITING"), "CLOSED");
});

test("requesters pick only the allowed priorities; staff any", () => {
  const settings = { requesterPriorities: ["LOW", "MEDIUM", "HIGH"] as const };
  assert.deepEqual(creatablePriorities(alice, settings), ["LOW", "MEDIUM", "HIGH"]);
  assert.deepEqual(creatablePriorities(agent, settings), ["LOW", "MEDIUM", "HIGH", "URGENT"]);
  assert.equal(defaultPriority(["LOW", "MEDIUM"]), "MEDIUM");
  assert.equal(defaultPriority(["HIGH", "URGENT"]), "HIGH");
  assert.equal(maySignUp({ signupEnabled: false }), false);
  assert.equal(maySignUp({ signupEnabled: true }), true);
});

test("no role checks outside the policy: a new one in src/ fails here", () => {
  // Role names in code (not data) and the staff test belong to policy.ts (and
  // the enum's own module); everywhere else asks the policy. Seed data names
  // roles as data.
  const allowed = new Set(["src/server/policy.ts", "src/shared/enums.ts", "src/server/setup/seed-demo.ts"]);
  const root = path.resolve(__dirname, "../..");
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "generated") walk(full);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        const rel = path.relative(root, full);
        if (allowed.has(rel)) continue;
        fs.readFileSync(full, "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (/isStaffRole\(|"(ADMIN|AGENT|REQUESTER)"/.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
          });
      }
    }
  };
  walk(path.join(root, "src"));
  assert.deepEqual(offenders, []);
});

describe("isUnreadFor: a row is unread when someone else's activity is past the reader's read mark", () => {
  // Ticket: 5 events for staff (the last an internal note by the agent, the
  // one before by someone else), 3 public (the last by alice, the one before by someone else).
  const t = { lastSeq: 5, lastPublicSeq: 3, lastActorId: "agent", lastPublicActorId: "alice", lastOtherSeq: 4, lastOtherPublicSeq: 2 };
  test("staff count every event; their own last event is not unread, and does not hide others' before it", () => {
    assert.equal(isUnreadFor(admin, t, 4), true);
    assert.equal(isUnreadFor(admin, t, 5), false);
    assert.equal(isUnreadFor(agent, t, 4), false, "read up to the others' last: their own note is not news");
    assert.equal(isUnreadFor(agent, t, 3), true, "their note came after a reply they have not read");
    assert.equal(isUnreadFor(agent, { ...t, lastOtherSeq: 0 }, 0), false, "every event their own");
  });
  test("a requester counts public events only: an internal note never makes their row unread", () => {
    assert.equal(isUnreadFor(alice, t, 3), false);
    assert.equal(isUnreadFor(alice, t, 2), false, "their own reply after the one they read");
    assert.equal(isUnreadFor(alice, t, 1), true, "their own reply does not hide the staff reply before it");
    assert.equal(isUnreadFor(alice, { ...t, lastPublicActorId: "agent" }, 2), true);
    assert.equal(isUnreadFor(alice, { ...t, lastPublicActorId: "agent" }, 3), false);
  });
});

test("notifications: internal notes reach staff only; requesters get replies only; each user lists their own", () => {
  const active = (a: { id: string; role: "REQUESTER" | "AGENT" | "ADMIN" }) => ({ ...a, active: true });
  assert.equal(mayBeNotifiedOf(active(alice), { internal: true }, alicesTicket), false);
  assert.equal(mayBeNotifiedOf(active(alice), { internal: false }, alicesTicket), true);
  assert.equal(mayBeNotifiedOf(active(alice), { internal: false }, bobsTicket), false);
  assert.equal(mayBeNotifiedOf(active(agent), { internal: true }, bobsTicket), true);
  assert.equal(mayBeNotifiedOf({ ...agent, active: false }, { internal: false }, bobsTicket), false);
  assert.deepEqual(notificationKindsFor(alice), ["reply"]);
  assert.deepEqual(notificationKindsFor(agent), ["mention", "assigned", "reply", "new_ticket"]);
  assert.equal(mayBeMentioned({ role: "REQUESTER", active: true }), false);
  assert.equal(mayBeMentioned({ role: "AGENT", active: true }), true);
  assert.deepEqual(notificationScope(alice), { userId: "alice", ticket: { requesterId: "alice" }, internal: false });
  assert.deepEqual(notificationScope(admin), { userId: "admin", ticket: {} });
});

describe("presence: who is on a ticket, per audience", () => {
  const tab = (userId: string, role: PresenceEntry["role"], more: Partial<PresenceEntry> = {}): PresenceEntry => ({
    userId,
    name: userId[0]!.toUpperCase() + userId.slice(1),
    role,
    idle: false,
    composing: null,
    ...more,
  });

  test("staff see everyone once per user, with role, idle only when every tab is idle, and typing", () => {
    const entries = [
      tab("alice", "REQUESTER", { idle: true }),
      tab("agent", "AGENT", { idle: true }),
      tab("agent", "AGENT", { idle: false, composing: "note" }),
      tab("admin", "ADMIN", { idle: true }),
    ];
    assert.deepEqual(presenceViewFor("staff", entries), [
      { userId: "admin", name: "Admin", role: "ADMIN", idle: true },
      { userId: "agent", name: "Agent", role: "AGENT", idle: false, composing: "note" },
      { userId: "alice", name: "Alice", role: "REQUESTER", idle: true },
    ]);
  });

  test("a reply in one tab wins over a note in another (the reply is what a colleague could collide with)", () => {
    const entries = [tab("agent", "AGENT", { composing: "note" }), tab("agent", "AGENT", { composing: "reply" })];
    assert.equal(presenceViewFor("staff", entries)[0]!.composing, "reply");
  });

  test("requesters see staff names only: no requesters, no role, no idle, never a note being written", () => {
    const entries = [
      tab("alice", "REQUESTER", { composing: "reply" }),
      tab("agent", "AGENT", { idle: true, composing: "note" }),
      tab("admin", "ADMIN", { composing: "reply" }),
    ];
    const view = presenceViewFor("requester", entries);
    assert.deepEqual(view, [
      { userId: "admin", name: "Admin", composing: "reply" },
      { userId: "agent", name: "Agent" },
    ]);
    assert.ok(!JSON.stringify(view).includes("note"));
    assert.ok(!JSON.stringify(view).includes("idle"));
    assert.ok(!JSON.stringify(view).includes("AGENT"));
  });

  test("the ticket list's summary carries no typing intent", () => {
    assert.deepEqual(presenceSummaryOf([tab("agent", "AGENT", { composing: "reply" })]), [{ userId: "agent", name: "Agent", role: "AGENT", idle: false }]);
  });

  test("only those who may write notes may announce writing one; the list of viewers is for staff", () => {
    assert.equal(mayAnnounceComposing(alice, "reply"), true);
    assert.equal(mayAnnounceComposing(alice, "note"), false);
    assert.equal(mayAnnounceComposing(agent, "note"), true);
    assert.equal(can(alice, "presence:list"), false);
    assert.equal(can(agent, "presence:list"), true);
  });

  test("a crowd is capped: anyone writing first, then staff, then the rest, in name order, with the total", () => {
    const names = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
    const entries = [
      ...names(30, "requester").map((id) => tab(id, "REQUESTER")),
      ...names(15, "staff").map((id) => tab(id, "AGENT")),
      tab("requester29", "REQUESTER", { composing: "reply" }),
    ];
    const capped = presenceCap(presenceViewFor("staff", entries), 20);
    assert.equal(capped.total, 45);
    assert.equal(capped.viewers.length, 20);
    const ids = capped.viewers.map((v) => v.userId);
    assert.ok(ids.includes("requester29"), "someone writing is always listed");
    for (const id of names(15, "staff")) assert.ok(ids.includes(id), `${id}: staff before requesters`);
    assert.deepEqual(ids.filter((id) => id.startsWith("requester")), ["requester00", "requester01", "requester02", "requester03", "requester29"]);
    assert.deepEqual([...capped.viewers].sort((a, b) => a.name.localeCompare(b.name)), capped.viewers, "still in name order");
    const few = presenceViewFor("staff", entries.slice(0, 3));
    assert.deepEqual(presenceCap(few, 20), { viewers: few, total: 3 });
  });

  test("each audience's view goes to its own room, the summary to the staff sockets showing ticket lists", () => {
    assert.deepEqual(presenceRooms("t1"), { staff: "ticket:t1:staff", requester: "ticket:t1:requester", summary: "lists:staff" });
  });
});

test("canned replies: staff see shared and their own; admins alone edit shared ones; requesters nothing", () => {
  const shared = { ownerId: null };
  const agents = { ownerId: "agent" };
  const admins = { ownerId: "admin" };
  assert.deepEqual(cannedReplyScope(agent), { OR: [{ ownerId: null }, { ownerId: "agent" }] });
  assert.throws(() => cannedReplyScope(alice), /not allowed/);
  assert.deepEqual([shared, agents, admins].map((r) => maySeeCannedReply(agent, r)), [true, true, false]);
  assert.deepEqual([shared, agents, admins].map((r) => mayEditCannedReply(agent, r)), [false, true, false]);
  assert.deepEqual([shared, agents, admins].map((r) => mayEditCannedReply(admin, r)), [true, false, true]);
  assert.deepEqual([shared, { ownerId: "alice" }].map((r) => maySeeCannedReply(alice, r)), [false, false], "a requester (even a former agent) sees none");
});

test("a canned reply's change is heard by who may see it: all staff for a shared one, its owner alone for a personal one", () => {
  assert.deepEqual(cannedReplyAudience({ ownerId: null }), { staff: true });
  assert.deepEqual(cannedReplyAudience({ ownerId: "agent" }), { userId: "agent" });
  // The staff room holds no requester; a user room holds only its user.
  assert.equal(roomsOnConnect(alice).includes(rooms.staff), false);
  for (const actor of [agent, admin]) assert.equal(roomsOnConnect(actor).includes(rooms.staff), true);
});

test("tags are staff-only: tagging, filtering, seeing; a tags change is an internal event", () => {
  for (const actor of [alice, agent, admin]) {
    const staff = actor !== alice;
    assert.equal(can(actor, "ticket:tag", alicesTicket), staff, "not even on one's own ticket");
    assert.equal(seesTags(audienceOf(actor)), can(actor, "ticket:tag"), "who sees tags is who may tag");
    if (staff) assert.doesNotThrow(() => authorizeTagFilter(actor, "vip"));
    else assert.throws(() => authorizeTagFilter(actor, "vip"), { code: "FORBIDDEN" });
    assert.doesNotThrow(() => authorizeTagFilter(actor, undefined));
  }
  const snapshot = {
    id: "t1", number: 1, title: "T", description: "d", status: "OPEN" as const, priority: "LOW" as const,
    requester: { id: "alice", name: "Alice" }, assignee: null, version: 2, lastSeq: 5, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z",
  };
  assert.equal(isInternalEvent({ type: "ticket:updated", data: { ticket: snapshot, changes: { tags: { added: ["vip"], removed: [] } } } }), true);
  assert.equal(isInternalEvent({ type: "ticket:updated", data: { ticket: { ...snapshot, tags: ["vip"] }, changes: { status: { from: "OPEN", to: "WAITING" } } } }), false);
});

test("a reply's one-statement condition is exactly comment:create (and internal:create for a note) without a reopen", () => {
  // Every role, own ticket or another's, every status, reply or note: the
  // condition the statement checks (src/server/comments/add-comment.ts)
  // lets the reply through exactly when authorize would and it reopens nothing.
  for (const role of ROLES) {
    const actor = { id: "u1", role };
    for (const requesterId of ["u1", "u2"]) {
      for (const status of TICKET_STATUSES) {
        for (const internal of [false, true]) {
          const ticket = { requesterId, status };
          const allowed = can(actor, "comment:create", ticket) && (!internal || can(actor, "comment:internal:create", ticket));
          const expected = allowed && !reopensOnReply(actor, ticket);
          const condition = plainReplyCondition(actor, internal);
          const passes = condition !== null && (condition.requesterId === null || condition.requesterId === requesterId) && !(condition.notReopening && REOPENED_BY_REQUESTER_REPLY.includes(status));
          assert.equal(passes, expected, `${role} on ${requesterId === "u1" ? "own" : "another's"} ${status} ticket, ${internal ? "note" : "reply"}`);
        }
      }
    }
  }
});

test("roleEffectsOf: what each role allows, as the users page explains a role change", () => {
  assert.deepEqual(roleEffectsOf("REQUESTER"), { seeAllTickets: false, readInternal: false, administer: false, assignable: false });
  assert.deepEqual(roleEffectsOf("AGENT"), { seeAllTickets: true, readInternal: true, administer: false, assignable: true });
  assert.deepEqual(roleEffectsOf("ADMIN"), { seeAllTickets: true, readInternal: true, administer: true, assignable: true });
});
