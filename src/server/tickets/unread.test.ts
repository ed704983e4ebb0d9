import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import type { SessionUser } from "../../shared/dto";
import { ZListTickets } from "../../shared/schemas/tickets";
import { addComment } from "../comments/add-comment";
import { pgliteSql } from "../db/sql";
import { runtime } from "../runtime";
import { changeTags } from "../tags/change-tags";
import { createTicket } from "./create-ticket";
import { getTicket } from "./get-ticket";
import { listTickets } from "./list-tickets";
import { markRead } from "./mark-read";
import { updateTicket } from "./update-ticket";

// Unread marks (policy.isUnreadFor) as the list reads them, over the real
// migrations on an in-memory PGlite: someone else's activity after the read
// mark makes a row unread, and the reader's own changes neither do nor hide it.
let database: Awaited<ReturnType<typeof openMemoryDb>>;
let agent: SessionUser;
let alice: SessionUser;

before(async () => {
  database = await openMemoryDb();
  runtime().prisma = database.prisma;
  runtime().sql = pgliteSql(database.client);
  const user = async (name: string, role: "AGENT" | "REQUESTER") => {
    const u = await database.prisma.user.create({ data: { name, email: `${name.toLowerCase()}@example.com`, passwordHash: "x", role } });
    return { id: u.id, role, name: u.name, email: u.email } satisfies SessionUser;
  };
  agent = await user("Agent", "AGENT");
  alice = await user("Alice", "REQUESTER");
});

after(async () => {
  runtime().prisma = undefined;
  runtime().sql = undefined;
  await database.close();
});

async function unread(actor: SessionUser, ticketId: string): Promise<boolean> {
  const page = await listTickets(actor, ZListTickets.parse({ limit: 100 }));
  const row = page.items.find((t) => t.id === ticketId);
  assert.ok(row, "listed");
  return row.unread === true;
}

test("an agent's own tag, field change, note or reply does not hide a customer's reply they have not read", async () => {
  const ticket = await createTicket(alice, { title: "Printer jams", description: "Every page." });
  assert.equal(await unread(agent, ticket.id), true, "a new ticket is news to staff");
  assert.equal(await unread(alice, ticket.id), false, "their own ticket is not news to its requester");

  await markRead(agent, ticket.id, (await database.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).lastSeq);
  assert.equal(await unread(agent, ticket.id), false);

  await addComment(alice, ticket.id, { body: "Still jams.", internal: false });
  assert.equal(await unread(agent, ticket.id), true);
  // Bulk tagging and re-prioritising from the list: read nothing.
  await changeTags(agent, ticket.id, { add: ["printer"] });
  assert.equal(await unread(agent, ticket.id), true, "a tag does not make the reply read");
  assert.equal((await getTicket(agent, ticket.id, { unread: true })).unread, true, "the ticket alone says so too (a list adding it live asks)");
  const { version } = await database.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
  await updateTicket(agent, ticket.id, { priority: "HIGH", version });
  await markRead(alice, ticket.id, (await database.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).lastPublicSeq);
  await addComment(agent, ticket.id, { body: "Looking into it.", internal: true });
  assert.equal(await unread(agent, ticket.id), true, "nor do a field change and a note");
  assert.equal(await unread(alice, ticket.id), false, "a note is nothing to the requester");
  await addComment(agent, ticket.id, { body: "Try the rear tray.", internal: false });
  assert.equal(await unread(agent, ticket.id), true, "nor does a reply of their own");
  assert.equal(await unread(alice, ticket.id), true, "the agent's reply is news to the requester");

  // Read: their own later changes never make it unread.
  const { lastSeq } = await database.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
  await markRead(agent, ticket.id, lastSeq);
  await changeTags(agent, ticket.id, { add: ["hardware"] });
  assert.equal(await unread(agent, ticket.id), false);

  // The requester's numbering: their own reply after the agent's unread one.
  await addComment(alice, ticket.id, { body: "Which tray?", internal: false });
  assert.equal(await unread(alice, ticket.id), true, "the agent's reply before theirs is still unread");
  assert.equal(await unread(agent, ticket.id), true);
});
