import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import type { SessionUser, TicketDTO } from "../../shared/dto";
import { pgliteSql } from "../db/sql";
import { env } from "../env";
import type { Remember } from "../integrity/run-idempotent";
import { runtime } from "../runtime";
import { createTicket } from "./create-ticket";

// The creation limit counts tickets created, not attempts: a creation whose
// transaction rolls back gives its count back. Against the real migrations
// on an in-memory PGlite, with the in-memory limiter (no REDIS_URL).
let database: Awaited<ReturnType<typeof openMemoryDb>>;
let alice: SessionUser;

before(async () => {
  database = await openMemoryDb();
  runtime().prisma = database.prisma;
  runtime().sql = pgliteSql(database.client);
  const u = await database.prisma.user.create({ data: { name: "Alice", email: "alice@example.com", passwordHash: "x", role: "REQUESTER" } });
  alice = { id: u.id, role: "REQUESTER", name: u.name, email: u.email };
});

after(async () => {
  runtime().prisma = undefined;
  runtime().sql = undefined;
  await database.close();
});

test("a creation that rolls back (its Idempotency-Key taken meanwhile) creates nothing and does not count against TICKET_CREATE_LIMIT", async () => {
  const limit = env().TICKET_CREATE_LIMIT;
  const taken = new Error("the key was taken by a concurrent request");
  const losing: Remember<TicketDTO> = {
    key: { userId: alice.id, key: "k", fingerprint: "f", status: 201, expiresAt: new Date(Date.now() + 60_000) },
    inTransaction: () => Promise.reject(taken),
  };
  for (let i = 0; i <= limit; i++) {
    await assert.rejects(createTicket(alice, { title: `Lost ${i}`, description: "x" }, losing), (e) => e === taken, `attempt ${i + 1}`);
  }
  assert.equal(await database.prisma.ticket.count({ where: { requesterId: alice.id } }), 0, "every attempt rolled back");
  // The whole limit is still there, and it still holds.
  for (let i = 0; i < limit; i++) await createTicket(alice, { title: `Kept ${i}`, description: "x" });
  await assert.rejects(createTicket(alice, { title: "One too many", description: "x" }), (e: Error & { code?: string }) => e.code === "RATE_LIMITED");
  assert.equal(await database.prisma.ticket.count({ where: { requesterId: alice.id } }), limit);
});
