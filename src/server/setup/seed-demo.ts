/**
 * Demo data: four accounts and a few tickets with a short history, written
 * through the same event log as live changes. Runs in plain Node (server.ts,
 * npm run db:seed), where the `server-only` guard is shimmed.
 */
import type { PrismaClient } from "../../generated/prisma/client";
import { recordEvent } from "../events/record-event";
import { commentInclude, ticketInclude, toCommentDTO, toTicketDTO } from "../serializers";
import { hashPassword } from "../users/hash-password";

export const DEMO_USERS = [
  { email: "admin@example.com", name: "Ada Admin", role: "ADMIN" },
  { email: "agent@example.com", name: "Sam Agent", role: "AGENT" },
  { email: "alice@example.com", name: "Alice Requester", role: "REQUESTER" },
  { email: "bob@example.com", name: "Bob Requester", role: "REQUESTER" },
] as const;

/** Seed demo users and tickets. Skips users that already exist. */
export async function seedDemo(prisma: PrismaClient, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  const users: Record<string, { id: string; name: string }> = {};
  for (const u of DEMO_USERS) {
    const row = await prisma.user.upsert({
      where: { email: u.email },
      create: { ...u, passwordHash },
      update: {},
      select: { id: true, name: true },
    });
    users[u.email] = row;
  }
  if ((await prisma.ticket.count()) > 0) return;

  const alice = users["alice@example.com"]!;
  const bob = users["bob@example.com"]!;
  const agent = users["agent@example.com"]!;
  const tickets = [
    { requester: alice, title: "Cannot reset my password", description: "The reset email never arrives. I checked spam too.", priority: "HIGH" as const, comments: [
      { author: agent, body: "Thanks Alice, looking into the mail logs now.", internal: false },
      { author: agent, body: "Bounce from their mail server: SPF failure on our side.", internal: true },
    ] },
    { requester: alice, title: "Invoice shows the wrong company name", description: "Our March invoice is addressed to our old name.", priority: "MEDIUM" as const, comments: [] },
    { requester: bob, title: "Export to CSV times out", description: "Exporting more than 10k rows fails after a minute.", priority: "URGENT" as const, comments: [
      { author: bob, body: "It happens every time with the full year selected.", internal: false },
    ] },
  ];
  for (const t of tickets) {
    await prisma.$transaction(async (tx) => {
      const { id } = await tx.ticket.create({
        data: { title: t.title, description: t.description, priority: t.priority, requesterId: t.requester.id },
        select: { id: true },
      });
      await recordEvent(tx, {
        ticketId: id,
        type: "ticket:created",
        actor: t.requester,
        data: async () => ({
          ticket: toTicketDTO(await tx.ticket.findUniqueOrThrow({ where: { id }, include: ticketInclude }), "staff"),
        }),
      });
      for (const c of t.comments) {
        const comment = await tx.comment.create({
          data: { ticketId: id, authorId: c.author.id, body: c.body, internal: c.internal },
          include: commentInclude,
        });
        await recordEvent(tx, {
          ticketId: id,
          type: "comment:added",
          actor: c.author,
          data: { comment: toCommentDTO(comment) },
          internal: c.internal,
          at: comment.createdAt,
        });
      }
    });
  }
}
