import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import type { SessionUser } from "../../shared/dto";
import { addComment } from "../comments/add-comment";
import { pgliteSql } from "../db/sql";
import { runtime } from "../runtime";
import { createTicket } from "../tickets/create-ticket";
import { listLatestTicketEvents, listTicketEvents } from "./list-events";

// The ticket page reads its timeline from the end (listLatestTicketEvents);
// whatever the limit, that must be exactly the tail of the events a replay
// from the start gives each audience, in its own numbering, notes hidden
// from the requester. Against the real migrations on an in-memory PGlite.
let database: Awaited<ReturnType<typeof openMemoryDb>>;
let agent: SessionUser;
let alice: SessionUser;

before(async () => {
  database = await openMemoryDb();
  runtime().prisma = database.prisma;
  runtime().sql = pgliteSql(database.client);
  const user = (name: string, role: "AGENT" | "REQUESTER") =>
    database.prisma.user.create({ data: { name, email: `${name.toLowerCase()}@example.com`, passwordHash: "x", role } });
  const a = await user("Agent", "AGENT");
  const b = await user("Alice", "REQUESTER");
  agent = { id: a.id, role: "AGENT", name: a.name, email: a.email };
  alice = { id: b.id, role: "REQUESTER", name: b.name, email: b.email };
});

after(async () => {
  runtime().prisma = undefined;
  runtime().sql = undefined;
  await database.close();
});

test("the newest events, for any limit, are the tail of a replay from the start, in each audience's numbering", async () => {
  const ticket = await createTicket(alice, { title: "Printer", description: "It jams." });
  // Notes between public replies: the requester's numbering skips them.
  for (let i = 0; i < 9; i++) {
    if (i % 3 === 1) await addComment(agent, ticket.id, { body: `note ${i}`, internal: true });
    else await addComment(i % 2 ? agent : alice, ticket.id, { body: `reply ${i}`, internal: false });
  }
  for (const actor of [agent, alice]) {
    const all = await listTicketEvents(actor, ticket.id, 0);
    assert.equal(all.truncated, false);
    assert.equal(all.events.length, actor === agent ? 10 : 7, "created + 9 comments, of which 3 notes");
    for (let limit = 1; limit <= all.events.length + 2; limit++) {
      const latest = await listLatestTicketEvents(actor, ticket.id, limit);
      assert.equal(latest.seq, all.seq, `${actor.name}, limit ${limit}: the seq`);
      assert.deepEqual(latest.events, all.events.slice(-limit), `${actor.name}, limit ${limit}: the newest events, oldest first`);
    }
  }
  const mine = await listLatestTicketEvents(alice, ticket.id, 100);
  assert.ok(mine.events.every((e) => e.type !== "comment:added" || !e.data.comment.internal), "no note for the requester");
});

test("a ticket's first page view: one event, and a ticket another cannot see is not found", async () => {
  const ticket = await createTicket(alice, { title: "Fresh", description: "New." });
  const latest = await listLatestTicketEvents(alice, ticket.id, 500);
  assert.deepEqual(latest.events.map((e) => [e.seq, e.type]), [[1, "ticket:created"]]);
  assert.equal(latest.seq, 1);
  const bob = await database.prisma.user.create({ data: { name: "Bob", email: "bob@example.com", passwordHash: "x", role: "REQUESTER" } });
  await assert.rejects(listLatestTicketEvents({ id: bob.id, role: "REQUESTER" }, ticket.id, 500), { code: "NOT_FOUND" });
});
