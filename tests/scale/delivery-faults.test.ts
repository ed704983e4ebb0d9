/**
 * The delivery guarantee of issue 8 §1, under faults: every committed event
 * reaches every connected client allowed to see it within 5 s, with no later
 * activity on the ticket, when
 *   - the process that committed it never announces it (committed, then gone),
 *   - a process is killed (SIGKILL) in the middle of a write burst,
 *   - a process is stopped gracefully (SIGTERM) under write load,
 *   - Redis is down for 10 s while writes continue.
 * (A `pm2 reload` under write load is tests/scale/pm2-reload.test.ts.)
 *
 * Two app processes on PostgreSQL and Redis, as ecosystem.config.js runs
 * them, behind the shipped haproxy.cfg. Each process has a staff and a
 * requester client pinned to it by HAProxy's SERVERID cookie; clients behave
 * like the browser page (tests/scale/live-client.ts) and never reload. Writers
 * post public comments and internal notes through HAProxy to both processes.
 * After each scenario every client must hold exactly what the API says its
 * user may see (staff: everything; requester: no internal note), and every
 * event must have reached every client that stayed connected within 5 s of
 * its commit (and within 5 s of a client's reconnect for the others).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../src/generated/prisma/client";
import { addComment } from "../../src/server/comments/add-comment";
import { runtime } from "../../src/server/runtime";
import type { TicketDTO } from "../../src/shared/dto";
import { freePort, type Haproxy, startHaproxy } from "../helpers/proxies";
import { api, signIn, startServer, type TestServer } from "../helpers/server";
import { assertConverged, committedView, LiveClient } from "./live-client";
import { type Backing, createTicket, type Deployment, startApps, startBacking } from "./support";

const DEADLINE_MS = 5_000;

let backing: Backing;
let deployment: Deployment;
let haproxy: Haproxy;
let proxyUrl: string;
let staffCookie: string;
let requesterCookie: string;
let ticket: TicketDTO;
const clients: LiveClient[] = [];
/** When each write's response arrived (its commit is no later), by comment body. */
const committedAt = new Map<string, number>();

before(async () => {
  backing = await startBacking();
  // The public origin is HAProxy's; its port is known only once it runs, so pick it first.
  const appPort = await freePort();
  proxyUrl = `http://127.0.0.1:${appPort}`;
  deployment = await startApps({ backing, appUrl: proxyUrl });
  haproxy = await startHaproxy({ upstreams: [deployment.ports[0]!, deployment.ports[1]!], appPort });
  staffCookie = await signIn(proxyUrl, "agent@example.com");
  requesterCookie = await signIn(proxyUrl, "alice@example.com");
  ticket = await createTicket(proxyUrl, requesterCookie, "Delivery under faults");
  // One staff and one requester client pinned to each process (HAProxy's cookie, as a browser would keep it).
  for (const server of ["s1", "s2"]) {
    for (const [who, cookie] of [
      ["staff", staffCookie],
      ["requester", requesterCookie],
    ] as const) {
      const client = new LiveClient(`${who}@${server}`, proxyUrl, `${cookie}; SERVERID=${server}`, ticket.id);
      await client.start();
      clients.push(client);
    }
  }
});

after(async () => {
  clients.forEach((c) => c.close());
  await haproxy?.kill();
  await deployment?.stop();
  await backing?.stop();
});

let writeNo = 0;
/** Post one comment (every third an internal note) through HAProxy to process `server`; records when it was committed. */
async function write(server: "s1" | "s2", label: string): Promise<number> {
  const n = ++writeNo;
  const internal = n % 3 === 0;
  const body = `${label} #${n}${internal ? " (internal)" : ""}`;
  const cookie = internal || n % 2 === 0 ? staffCookie : requesterCookie;
  const res = await api(proxyUrl, `${cookie}; SERVERID=${server}`, "POST", `/api/tickets/${ticket.id}/comments`, { body, internal }).catch(() => ({ status: 0 }));
  if (res.status === 201) committedAt.set(body, Date.now());
  return res.status;
}

/**
 * Resolves once `n` more writes have been committed: a fault lands in a write
 * burst however slow the machine is (a fixed delay let a loaded machine get
 * only a few writes in before the fault, and the scenario proved little).
 */
async function afterCommits(n: number, ms = 60_000): Promise<void> {
  const target = committedAt.size + n;
  const deadline = Date.now() + ms;
  while (committedAt.size < target) {
    if (Date.now() > deadline) throw new Error(`fewer than ${n} writes committed in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writers on both processes until `stop()` resolves; each keeps posting back to back. */
function writeWhile(label: string, until: Promise<unknown>): Promise<number[]> {
  let running = true;
  void until.finally(() => (running = false));
  const loop = async (server: "s1" | "s2") => {
    const statuses: number[] = [];
    while (running) statuses.push(await write(server, `${label} via ${server}`));
    return statuses;
  };
  return Promise.all([loop("s1"), loop("s2")]).then((all) => all.flat());
}

/** Every client ends with exactly what its user may see, each event in time (see assertConverged). */
async function assertDelivered(scenario: string): Promise<void> {
  const truth = {
    staff: await committedView(proxyUrl, staffCookie, ticket.id),
    requester: await committedView(proxyUrl, requesterCookie, ticket.id),
  };
  assert.ok(truth.staff.length > truth.requester.length, "internal notes were written");
  assert.ok(!truth.requester.some((line) => line.includes("(internal)")), "the requester's API shows no internal note");
  await assertConverged(scenario, clients, (c) => (c.name.startsWith("staff") ? truth.staff : truth.requester), committedAt, DEADLINE_MS);
}

test("a committed event nobody announces (its process died right after the commit) reaches every client", async () => {
  // The test process is the "process" that commits and then does nothing more:
  // the real use case on the same PostgreSQL, with no event engine of its own.
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: backing.databaseUrl }) });
  runtime().prisma = prisma;
  try {
    const agent = await prisma.user.findUniqueOrThrow({ where: { email: "agent@example.com" } });
    for (const [i, internal] of [false, true, false].entries()) {
      const body = `committed then gone #${i}${internal ? " (internal)" : ""}`;
      await addComment({ id: agent.id, name: agent.name, email: agent.email, role: agent.role }, ticket.id, { body, internal });
      committedAt.set(body, Date.now());
    }
  } finally {
    runtime().prisma = undefined;
    await prisma.$disconnect();
  }
  await assertDelivered("committed then gone");
});

let killedPid = 0;

test("SIGKILL of a process in the middle of a write burst: every committed event reaches every client", async () => {
  killedPid = deployment.apps[0]!.proc.pid!;
  const killed = (async () => {
    await afterCommits(6);
    deployment.apps[0]!.proc.kill("SIGKILL");
    await afterCommits(6);
  })();
  const statuses = await writeWhile("kill -9", killed);
  assert.ok(statuses.filter((s) => s === 201).length >= 10, `writes went through (${statuses.length} attempted)`);
  // The killed process's clients are now on the other one (HAProxy redispatches them).
  await assertDelivered("kill -9");
  deployment.apps[0] = await restartKilled(0);
});

test("graceful stop of a process under write load: every committed event reaches every client", async () => {
  const stopped = (async () => {
    await afterCommits(6);
    assert.equal(await deployment.apps[1]!.stop(), 0, "graceful stop exits 0");
    await afterCommits(4);
  })();
  const statuses = await writeWhile("graceful stop", stopped);
  assert.ok(statuses.filter((s) => s === 201).length >= 10);
  await assertDelivered("graceful stop");
  deployment.apps[1] = await restartKilled(1);
});

test("Redis down for 10 s under write load: every committed event reaches every client in time", async () => {
  const outage = (async () => {
    await afterCommits(4);
    await backing.redis.stop();
    await new Promise((r) => setTimeout(r, 10_000));
    await backing.redis.start();
  })();
  const statuses = await writeWhile("redis down", outage);
  assert.ok(statuses.filter((s) => s === 201).length >= 20, `writes kept going without Redis (${statuses.length})`);
  await assertDelivered("redis down");
});

test("the admin realtime page lists every running process, and the killed one as not reporting", async () => {
  const admin = await signIn(proxyUrl, "admin@example.com");
  const html = await (await fetch(`${proxyUrl}/admin/realtime`, { headers: { cookie: admin } })).text();
  const rows = html.split("<tr").slice(1);
  const rowOf = (pid: number) => rows.find((r) => r.includes(`pid ${pid} on `));
  for (const app of deployment.apps) {
    const row = rowOf(app.proc.pid!);
    assert.ok(row, `process ${app.proc.pid} is listed`);
    assert.match(row, />reporting</, `process ${app.proc.pid} is reporting`);
  }
  // Killed more than STATUS_STALE_MS ago (two scenarios ran since).
  assert.match(rowOf(killedPid) ?? "", /not reporting since/, "the killed process shows as not reporting");
});

/** Start app process `i` again with its environment (after a kill or stop). */
async function restartKilled(i: number): Promise<TestServer> {
  const port = deployment.ports[i]!;
  const env: Record<string, string> = { ...deployment.env, PORT: String(port) };
  return startServer({ port, dataDir: env.DATA_DIR, env });
}
