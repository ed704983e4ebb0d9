import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { PGlite } from "@electric-sql/pglite";
import { emptyPglite } from "../../../tests/helpers/memory-db";
import { migrations } from "../../../tests/helpers/migrations";

// Upgrading to the unread columns (prisma/migrations/20261208000000_unread_before_own_change):
// tickets written before it get, from their event log, the newest event by
// someone other than their last actor, in both numberings.
const MIGRATION = "20261208000000_unread_before_own_change";

let client: PGlite | undefined;

after(async () => {
  await client?.close();
});

test("upgrading fills each ticket's newest event by someone other than its last actor, staff and public numbering", async () => {
  client = await emptyPglite();
  const all = migrations();
  const upgrade = all.find((m) => m.name === MIGRATION);
  assert.ok(upgrade);
  for (const m of all.filter((m) => m.name < MIGRATION)) await client.exec(m.sql);

  await client.exec(`
    INSERT INTO "User" ("id", "name", "email", "passwordHash", "role", "updatedAt") VALUES
      ('alice', 'Alice', 'alice@example.com', 'x', 'REQUESTER', now()),
      ('agent', 'Agent', 'agent@example.com', 'x', 'AGENT', now());
    -- t1: alice's ticket, the agent's public reply, then the agent's note.
    -- t2: only alice. t3: no events at all.
    INSERT INTO "Ticket" ("id", "title", "description", "requesterId", "lastSeq", "lastPublicSeq", "lastActorId", "lastPublicActorId", "updatedAt") VALUES
      ('t1', 'One', '', 'alice', 3, 2, 'agent', 'agent', now()),
      ('t2', 'Two', '', 'alice', 2, 2, 'alice', 'alice', now()),
      ('t3', 'Three', '', 'alice', 0, 0, NULL, NULL, now());
    INSERT INTO "TicketEvent" ("id", "ticketId", "seq", "publicSeq", "type", "payload", "actorId", "internal") VALUES
      ('e1', 't1', 1, 1, 'ticket:created', '{}', 'alice', false),
      ('e2', 't1', 2, 2, 'comment:added', '{}', 'agent', false),
      ('e3', 't1', 3, NULL, 'comment:added', '{}', 'agent', true),
      ('e4', 't2', 1, 1, 'ticket:created', '{}', 'alice', false),
      ('e5', 't2', 2, 2, 'comment:added', '{}', 'alice', false);
  `);

  await client.exec(upgrade.sql);

  const { rows } = await client.query<{ id: string; lastOtherSeq: number; lastOtherPublicSeq: number }>(
    `SELECT "id", "lastOtherSeq", "lastOtherPublicSeq" FROM "Ticket" ORDER BY "id"`,
  );
  assert.deepEqual(rows, [
    { id: "t1", lastOtherSeq: 1, lastOtherPublicSeq: 1 },
    { id: "t2", lastOtherSeq: 0, lastOtherPublicSeq: 0 },
    { id: "t3", lastOtherSeq: 0, lastOtherPublicSeq: 0 },
  ]);
});
