import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import type { PrismaClient } from "../../generated/prisma/client";
import { startMailWorker } from "./mail-worker";
import type { MailMessage } from "./smtp-transport";

// The mail worker against the real migrations on an in-memory PGlite, with
// a transport that records what it is handed.
let database: Awaited<ReturnType<typeof openMemoryDb>>;
let prisma: PrismaClient;

before(async () => {
  database = await openMemoryDb();
  prisma = database.prisma;
});

after(async () => {
  await database.close();
});

const quiet = { info() {}, warn() {}, error() {} };

test("a claimed mail whose claim ran out while the ones before it were sent is not sent (another worker has it now)", async () => {
  const agent = await prisma.user.create({
    data: {
      name: "Agent",
      email: "agent@example.com",
      passwordHash: "x",
      role: "AGENT",
      // Staff get no mail by default: this one asked for assignments.
      notificationSettings: { create: { mention: true, assigned: true, reply: true, newTicket: true, emailAssigned: true } },
    },
  });
  const alice = await prisma.user.create({ data: { name: "Alice", email: "alice@example.com", passwordHash: "x", role: "REQUESTER" } });
  const ticket = await prisma.ticket.create({ data: { title: "Printer", description: "Jams", requesterId: alice.id, assigneeId: agent.id } });
  const mail = (seq: number, dueMsAgo: number) =>
    prisma.outboundMail.create({
      data: { userId: agent.id, ticketId: ticket.id, seq, readSeq: seq, kind: "assigned", subject: `Mail ${seq}`, text: "t", html: "<p>t</p>", nextAttemptAt: new Date(Date.now() - dueMsAgo) },
    });
  const first = await mail(1, 2_000);
  const second = await mail(2, 1_000);

  const sent: string[] = [];
  const warnings: string[] = [];
  let stolen = "";
  let done!: () => void;
  const firstSent = new Promise<void>((r) => (done = r));
  const worker = startMailWorker({
    prisma,
    lease: { acquire: async () => true, held: () => true },
    transport: {
      async send(m: MailMessage) {
        sent.push(m.subject);
        if (sent.length > 1) return;
        // A slow server: meanwhile the other mail's claim runs out and
        // another worker (the lease changed hands) claims it, as claimDue does.
        stolen = m.subject === "Mail 1" ? second.id : first.id;
        await prisma.$executeRaw`UPDATE "OutboundMail" SET "nextAttemptAt" = now() - interval '1 second' WHERE "id" = ${stolen}`;
        await prisma.$executeRaw`UPDATE "OutboundMail" SET "attempts" = "attempts" + 1, "nextAttemptAt" = now() + interval '300 seconds' WHERE "id" = ${stolen}`;
        done();
      },
      close() {},
    },
    appUrl: () => "http://localhost:3000",
    secret: "s".repeat(32),
    maxAttempts: 8,
    retrySeconds: 30,
    pollMs: 60_000,
    log: { ...quiet, warn: (msg: string) => void warnings.push(msg) },
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([firstSent, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("the first mail was never sent")), 20_000)))]);
  clearTimeout(timer);
  const kept = stolen === first.id ? second.id : first.id;
  // Until the other mail's turn has come: it is sent (the defect) or passed over (said in the log).
  for (let i = 0; i < 500 && sent.length < 2 && !warnings.some((w) => w.includes(stolen)); i++) await new Promise((r) => setTimeout(r, 20));
  await worker.stop();
  assert.ok(warnings.some((w) => w.includes(stolen) && /claim ran out/.test(w)), `passed over, and said so: ${JSON.stringify(warnings)}`);
  assert.equal(sent.length, 1, `the other mail is the other worker's to send: ${JSON.stringify(sent)}`);
  const other = await prisma.outboundMail.findUniqueOrThrow({ where: { id: stolen } });
  assert.equal(other.status, "sending");
  assert.equal(other.attempts, 2, "the other worker's claim stands");
  assert.equal((await prisma.outboundMail.findUniqueOrThrow({ where: { id: kept } })).status, "sent");
});

test("an \"assigned to you\" mail for a ticket reassigned before it was due is not sent", async () => {
  const mk = (email: string) =>
    prisma.user.create({
      data: { name: email, email, passwordHash: "x", role: "AGENT", notificationSettings: { create: { mention: true, assigned: true, reply: true, newTicket: true, emailAssigned: true } } },
    });
  const first = await mk("first@example.com");
  const second = await mk("second@example.com");
  const bob = await prisma.user.create({ data: { name: "Bob", email: "bob@example.com", passwordHash: "x", role: "REQUESTER" } });
  const ticket = await prisma.ticket.create({ data: { title: "Scanner", description: "Slow", requesterId: bob.id, assigneeId: second.id } });
  const queued = (user: { id: string }, seq: number) =>
    prisma.outboundMail.create({
      data: { userId: user.id, ticketId: ticket.id, seq, readSeq: seq, kind: "assigned", subject: `Assigned to ${seq}`, text: "t", html: "<p>t</p>", nextAttemptAt: new Date(Date.now() - 1_000) },
    });
  // Assigned to the first agent, then (within the mail delay) to the second.
  const stale = await queued(first, 1);
  const current = await queued(second, 2);
  const sent: string[] = [];
  const worker = startMailWorker({
    prisma,
    lease: { acquire: async () => true, held: () => true },
    transport: { send: async (m: MailMessage) => void sent.push(m.subject), close() {} },
    appUrl: () => "http://localhost:3000",
    secret: "s".repeat(32),
    maxAttempts: 8,
    retrySeconds: 30,
    pollMs: 60_000,
    log: quiet,
  });
  const settled = async () => {
    const rows = await prisma.outboundMail.findMany({ where: { id: { in: [stale.id, current.id] } } });
    return rows.every((r) => r.status !== "pending" && r.status !== "sending");
  };
  for (let i = 0; i < 750 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 20));
  await worker.stop();
  assert.deepEqual(sent, ["Assigned to 2"]);
  const skipped = await prisma.outboundMail.findUniqueOrThrow({ where: { id: stale.id } });
  assert.equal(skipped.status, "skipped");
  assert.match(skipped.lastError ?? "", /assigned to someone else/);
});
