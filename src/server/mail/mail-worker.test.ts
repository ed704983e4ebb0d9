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
  // Two tickets: of two "assigned" mails about one ticket only the newer is sent.
  const tickets = [1, 2].map(() => prisma.ticket.create({ data: { title: "Printer", description: "Jams", requesterId: alice.id, assigneeId: agent.id } }));
  const [one, two] = await Promise.all(tickets);
  const mail = (seq: number, dueMsAgo: number) =>
    prisma.outboundMail.create({
      data: { userId: agent.id, ticketId: (seq === 1 ? one : two)!.id, seq, readSeq: seq, kind: "assigned", subject: `Mail ${seq}`, text: "t", html: "<p>t</p>", nextAttemptAt: new Date(Date.now() - dueMsAgo) },
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

/** A worker over `transport` that holds the lease, with fast retries. */
function workerWith(transport: { send(m: MailMessage): Promise<void>; close(): void }, opts: { maxAttempts?: number; log?: typeof quiet } = {}) {
  return startMailWorker({
    prisma,
    lease: { acquire: async () => true, held: () => true },
    transport,
    appUrl: () => "http://localhost:3000",
    secret: "s".repeat(32),
    maxAttempts: opts.maxAttempts ?? 8,
    retrySeconds: 30,
    pollMs: 60_000,
    log: opts.log ?? quiet,
  });
}

async function until(what: string, check: () => Promise<boolean>) {
  for (let i = 0; i < 750; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function requesterWithTicket(name: string, status: "OPEN" | "RESOLVED" = "OPEN") {
  const user = await prisma.user.create({ data: { name, email: `${name.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}@example.com`, passwordHash: "x", role: "REQUESTER" } });
  const ticket = await prisma.ticket.create({ data: { title: `${name}'s ticket`, description: "d", requesterId: user.id, status } });
  return { user, ticket };
}

const settledAll = (ids: string[]) => async () =>
  (await prisma.outboundMail.findMany({ where: { id: { in: ids } } })).every((r) => r.status !== "pending" && r.status !== "sending");

test("a Resolved mail for a ticket reopened before it was due is not sent; of two alike about one ticket, only the newer one is", async () => {
  const reopened = await requesterWithTicket("Rita");
  const twice = await requesterWithTicket("Tom", "RESOLVED");
  const due = new Date(Date.now() - 1_000);
  const queued = (userId: string, ticketId: string, seq: number) =>
    prisma.outboundMail.create({ data: { userId, ticketId, seq, readSeq: seq, kind: "resolved", subject: `Resolved ${seq}`, text: "t", html: "<p>t</p>", nextAttemptAt: due } });
  const stale = await queued(reopened.user.id, reopened.ticket.id, 2);
  const first = await queued(twice.user.id, twice.ticket.id, 2);
  const second = await queued(twice.user.id, twice.ticket.id, 4);
  const sent: string[] = [];
  const worker = workerWith({ send: async (m) => void sent.push(`${m.to.name}: ${m.subject}`), close() {} });
  await until("the mails are decided", settledAll([stale.id, first.id, second.id]));
  await worker.stop();
  assert.deepEqual(sent, ["Tom: Resolved 4"]);
  const rows = new Map((await prisma.outboundMail.findMany({ where: { id: { in: [stale.id, first.id] } } })).map((r) => [r.id, r]));
  assert.match(rows.get(stale.id)!.lastError ?? "", /reopened/);
  assert.match(rows.get(first.id)!.lastError ?? "", /newer mail/);
});

test("mails go out in the order their events happened, whatever order the claim returns them in", async () => {
  const { user, ticket } = await requesterWithTicket("Olga", "RESOLVED");
  const base = Date.now() - 10_000;
  // Queued in event order (a reply, then the resolution), each due at once.
  const ids: string[] = [];
  for (const [seq, kind] of [[2, "reply"], [3, "reply"], [4, "resolved"], [5, "reply"]] as const) {
    const row = await prisma.outboundMail.create({
      data: { userId: user.id, ticketId: ticket.id, seq, readSeq: seq, kind, subject: `${seq} ${kind}`, text: "t", html: "<p>t</p>", createdAt: new Date(base + seq * 100), nextAttemptAt: new Date(base + 5_000 - seq) },
    });
    ids.push(row.id);
  }
  const sent: string[] = [];
  const worker = workerWith({ send: async (m) => void sent.push(m.subject), close() {} });
  await until("the mails are sent", settledAll(ids));
  await worker.stop();
  assert.deepEqual(sent, ["2 reply", "3 reply", "4 resolved", "5 reply"]);
});

test("an SMTP server failing for the installation keeps mails queued past their attempts, and they go out once it answers", async () => {
  const { user, ticket } = await requesterWithTicket("Uma");
  const row = await prisma.outboundMail.create({
    data: { userId: user.id, ticketId: ticket.id, seq: 2, readSeq: 2, kind: "reply", subject: "Held back", text: "t", html: "<p>t</p>", attempts: 7, nextAttemptAt: new Date(Date.now() - 1_000) },
  });
  const other = await prisma.outboundMail.create({
    data: { userId: user.id, ticketId: ticket.id, seq: 3, readSeq: 3, kind: "reply", subject: "Waiting its turn", text: "t", html: "<p>t</p>", attempts: 3, nextAttemptAt: new Date(Date.now() + 3_600_000) },
  });
  const full = await prisma.outboundMail.create({
    data: { userId: user.id, ticketId: ticket.id, seq: 4, readSeq: 4, kind: "reply", subject: "Mailbox full", text: "t", html: "<p>t</p>", attempts: 7, nextAttemptAt: new Date(Date.now() - 1_000) },
  });
  let down = true;
  const sent: string[] = [];
  const worker = workerWith(
    {
      async send(m) {
        if (m.subject === "Mailbox full") throw Object.assign(new Error("452 Mailbox full"), { responseCode: 452, command: "RCPT TO" });
        if (down) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:25"), { code: "ECONNECTION" });
        sent.push(m.subject);
      },
      close() {},
    },
    { maxAttempts: 8 },
  );
  await until("both tried", async () => {
    const rows = await prisma.outboundMail.findMany({ where: { id: { in: [row.id, full.id] } } });
    return rows.every((r) => r.attempts === 8 && r.status !== "sending");
  });
  const held = await prisma.outboundMail.findUniqueOrThrow({ where: { id: row.id } });
  assert.equal(held.status, "pending", "the installation's failure did not use up the mail");
  assert.ok(held.nextAttemptAt.getTime() > Date.now(), "it waits its backoff");
  assert.equal((await prisma.outboundMail.findUniqueOrThrow({ where: { id: full.id } })).status, "failed", "a failure of the mail's own still ends at maxAttempts");

  // SMTP is back: the next mail that goes out brings the held-back ones forward.
  down = false;
  await prisma.outboundMail.update({ where: { id: row.id }, data: { nextAttemptAt: new Date(Date.now() - 1_000) } });
  worker.wake();
  await until("both sent", settledAll([row.id, other.id]));
  await worker.stop();
  assert.deepEqual(sent, ["Held back", "Waiting its turn"]);
});

test("stopping while the SMTP server is slow hands the mail in hand and the rest of the batch back, without waiting for the send", async () => {
  const { user, ticket } = await requesterWithTicket("Vic");
  const rows = [];
  for (const seq of [2, 3, 4]) {
    rows.push(
      await prisma.outboundMail.create({
        data: { userId: user.id, ticketId: ticket.id, seq, readSeq: seq, kind: "reply", subject: `Slow ${seq}`, text: "t", html: "<p>t</p>", createdAt: new Date(Date.now() - 10_000 + seq), nextAttemptAt: new Date(Date.now() - 1_000) },
      }),
    );
  }
  let started!: () => void;
  const inFlight = new Promise<void>((r) => (started = r));
  let answer!: () => void;
  const worker = workerWith({
    send: () => {
      started();
      return new Promise<void>((r) => (answer = r)); // answers only when the test says
    },
    close() {},
  });
  await inFlight;
  // stop() returns while the send is still unanswered (it would never return if it waited for it).
  await worker.stop();
  const after = await prisma.outboundMail.findMany({ where: { id: { in: rows.map((r) => r.id) } }, orderBy: { seq: "asc" } });
  assert.deepEqual(after.map((r) => [r.subject, r.status, r.attempts]), [
    ["Slow 2", "pending", 0],
    ["Slow 3", "pending", 0],
    ["Slow 4", "pending", 0],
  ]);
  const [inHand, ...rest] = after;
  const dueIn = inHand!.nextAttemptAt.getTime() - Date.now();
  assert.ok(dueIn > 10_000 && dueIn <= 30_000, `the mail in hand is due again soon, not when its claim runs out (${dueIn} ms)`);
  for (const r of rest) assert.ok(r.nextAttemptAt.getTime() <= Date.now(), "the rest are due at once");

  // The server accepts it after all, before the process is gone: it is sent, not due again.
  answer();
  await until("the late answer is kept", async () => (await prisma.outboundMail.findUniqueOrThrow({ where: { id: inHand!.id } })).status === "sent");
  assert.equal((await prisma.outboundMail.findUniqueOrThrow({ where: { id: inHand!.id } })).attempts, 1);
});
