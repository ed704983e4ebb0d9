import assert from "node:assert/strict";
import { test } from "node:test";
import { authorize, can } from "./policy";

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

test("only admins change users; everyone may end their own other sessions", () => {
  assert.equal(can(admin, "user:update"), true);
  assert.equal(can(agent, "user:update"), false);
  assert.equal(can(alice, "user:update"), false);
  assert.throws(() => authorize(agent, "user:update"), { code: "FORBIDDEN" });
  for (const actor of [alice, agent, admin]) assert.equal(can(actor, "session:revoke:own"), true);
});
