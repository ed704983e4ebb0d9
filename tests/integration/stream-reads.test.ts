/**
 * What the event stream's processors cost per comment (issue 11), counted
 * through the server's own /metrics (`tandem_stream_reads_total`). A reply's
 * event reaches this process's sockets when its statement returns
 * (src/server/realtime/relay.ts, `deliverCommitted`), so no read stands
 * between a reply and its screens; the relay still reads it back, but in the
 * same gathering window as the background processors (notifications,
 * search, mail: GATHER_MS, src/server/engine/processor.ts), one read shared
 * by all four (or two, when one of them is still busy with the window
 * before). It was six reads per comment (two wake-ups times three
 * processors), then one per comment for the relay plus one per window; now
 * at most two per window, while every comment still reaches the socket once
 * and every notification is made.
 *
 * The poll is set to a minute, so only the wake-ups read.
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

test("one stream read per gathering window, shared by the relay and the background processors (one per reply and window before, six per reply at first)", async (t) => {
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
  // At most two reads per window that saw a commit: one shared by all, or
  // the relay's and then a background processor's that was still busy with
  // the window before when its timer fired. At most one window per GATHER_MS
  // of the loop (and the one still open at its end), and one per comment.
  const windows = Math.min(COMMENTS, Math.ceil(elapsed / GATHER_MS) + 1);
  t.diagnostic(`${reads} stream reads for ${COMMENTS} comments in ${Math.round(elapsed)} ms (at most ${windows} gathering windows)`);
  // The relay reading at every commit, as before, would be COMMENTS more:
  // beyond this bound while replies come faster than two per window (a
  // reply here takes 10 to 40 ms).
  assert.ok(reads >= 1 && reads <= 2 * windows + 1, `${reads} stream reads for ${COMMENTS} comments`);
});
