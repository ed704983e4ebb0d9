/**
 * What the event stream's processors cost per comment (issue 11), counted
 * through the server's own /metrics (`tandem_stream_reads_total`): a commit
 * wakes the processors once (directly; on PostgreSQL its own NOTIFY, sent
 * for the other processes, does not wake it again); the relay reads once per
 * commit, and the background processors (notifications, search, mail) share
 * one read per gathering window (GATHER_MS, src/server/engine/processor.ts)
 * instead of each running its own per commit. It was six reads per comment
 * (two wake-ups times three processors); this keeps it near one for the
 * relay plus at most one per window, while every comment still reaches the
 * socket and the notifications.
 *
 * The poll is set to a minute, so only the wake-ups read: a read per comment
 * here is one per commit, whichever database the suite runs on.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { NotificationDTO } from "../../src/shared/dto";
import { GATHER_MS } from "../../src/server/engine/processor";
import { api, type ClientSocket, connectSocket, nextEvent, signIn, startServer, type TestServer } from "../helpers/server";
import { createTicket, join } from "./support";

let server: TestServer;
const sockets: ClientSocket[] = [];

before(async () => {
  server = await startServer({ env: { ENGINE_POLL_MS: "60000" } });
});

after(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
});

async function streamReads(): Promise<number> {
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  const m = /^tandem_stream_reads_total\{[^}]*\} (\d+)/m.exec(await res.text());
  assert.ok(m, "the metric is exported");
  return Number(m[1]);
}

test("the relay reads the event stream once per comment, the background processors once per window (six per comment before)", async (t) => {
  const alice = await signIn(server.url, "alice@example.com", server.password);
  const agent = await signIn(server.url, "agent@example.com", server.password);
  const ticket = await createTicket(server.url, alice, { title: "Count the reads" });
  const socket = await connectSocket(server.url, alice);
  sockets.push(socket);
  assert.ok((await join(socket, { ticketId: ticket.id })).ok);
  // Let the ticket's own event (and the join) settle before counting.
  await new Promise((r) => setTimeout(r, 500));

  const COMMENTS = 20;
  const before = await streamReads();
  const started = performance.now();
  for (let i = 0; i < COMMENTS; i++) {
    const delivered = nextEvent(socket, "comment:added", (e) => e.ticketId === ticket.id && e.data.comment.body === `reply ${i}`);
    const res = await api(server.url, agent, "POST", `/api/tickets/${ticket.id}/comments`, { body: `reply ${i}`, internal: false });
    assert.equal(res.status, 201);
    await delivered;
  }
  // Every reply notified the requester: the notifications processor got every event too.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await api<{ items: NotificationDTO[] }>(server.url, alice, "GET", "/api/notifications?limit=100");
    if (res.body.items.filter((n) => n.ticket.id === ticket.id && n.kind === "reply").length === COMMENTS) break;
    assert.ok(Date.now() < deadline, "a reply notification for every comment");
    await new Promise((r) => setTimeout(r, 50));
  }
  const elapsed = performance.now() - started;
  const reads = (await streamReads()) - before;
  // The background processors read once per window that saw a commit: at
  // most one per comment, and at most one per GATHER_MS of the loop.
  const windows = Math.min(COMMENTS, Math.ceil(elapsed / GATHER_MS) + 1);
  t.diagnostic(`${reads} stream reads for ${COMMENTS} comments in ${Math.round(elapsed)} ms (at most ${windows} gathering windows)`);
  // The relay's: exactly one per comment when it keeps pace; still busy with
  // the previous batch when the next commit lands, it reads once more.
  assert.ok(reads >= COMMENTS / 2 && reads <= COMMENTS * 1.5 + windows, `${reads} stream reads for ${COMMENTS} comments`);
});
