/**
 * Files in the conversation (issue 10): a reply box uploads files staged
 * (seen by nobody else), the comment that sends them links them in its
 * transaction, and a note's files are as internal as the note.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AttachmentDTO, CommentDTO, TicketDTO } from "../../src/shared/dto";
import { api, collect, connectSocket, signIn, startServer, type ClientSocket, type TestServer } from "../helpers/server";
import { createTicket, join, until } from "./support";

let server: TestServer;
let url: string;
const cookies: Record<"alice" | "bob" | "agent" | "admin", string> = { alice: "", bob: "", agent: "", admin: "" };
let ticket: TicketDTO;
const sockets: ClientSocket[] = [];

before(async () => {
  server = await startServer();
  url = server.url;
  for (const who of Object.keys(cookies) as (keyof typeof cookies)[]) cookies[who] = await signIn(url, `${who}@example.com`);
  ticket = await createTicket(url, cookies.alice, { title: "Files in the conversation" });
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await server?.stop();
});

async function stage(cookie: string, name: string, content: string, type = "text/plain", ticketId = ticket.id): Promise<{ status: number; body: AttachmentDTO }> {
  const form = new FormData();
  form.append("file", new Blob([content], { type }), name);
  const res = await fetch(`${url}/api/tickets/${ticketId}/attachments?staged=1`, { method: "POST", headers: { cookie }, body: form });
  return { status: res.status, body: (await res.json()) as AttachmentDTO };
}

const download = (cookie: string, a: { url: string }) => fetch(`${url}${a.url}`, { headers: { cookie } });
const listed = async (cookie: string) => (await api<{ items: AttachmentDTO[] }>(url, cookie, "GET", `/api/tickets/${ticket.id}/attachments`)).body.items;
const comment = (cookie: string, body: Record<string, unknown>) => api<CommentDTO & { error?: { code: string } }>(url, cookie, "POST", `/api/tickets/${ticket.id}/comments`, body);

test("a staged file is its uploader's alone until sent; the reply carries it, live, and the ticket lists it", async () => {
  const staged = await stage(cookies.agent, "log.txt", "line one");
  assert.equal(staged.status, 201);
  assert.equal((await download(cookies.agent, staged.body)).status, 200);
  assert.equal((await download(cookies.admin, staged.body)).status, 404, "another agent cannot fetch an unsent file");
  assert.equal((await download(cookies.alice, staged.body)).status, 404);
  assert.ok(!(await listed(cookies.agent)).some((a) => a.id === staged.body.id), "unsent files are not listed");

  const socket = await connectSocket(url, cookies.alice);
  sockets.push(socket);
  assert.equal((await join(socket, { ticketId: ticket.id })).ok, true);
  const heard = collect(socket, "comment:added");

  const sent = await comment(cookies.agent, { body: "The log is attached.", attachmentIds: [staged.body.id] });
  assert.equal(sent.status, 201);
  assert.deepEqual(sent.body.attachments?.map((a) => [a.id, a.commentId, a.internal ?? false]), [[staged.body.id, sent.body.id, false]]);
  await until(() => heard.some((e) => e.data.comment.id === sent.body.id), "the requester hears the reply");
  const live = heard.find((e) => e.data.comment.id === sent.body.id)!;
  assert.deepEqual(live.data.comment.attachments?.map((a) => a.id), [staged.body.id], "the event carries the file");
  assert.equal((await download(cookies.alice, staged.body)).status, 200, "sent with a public reply: the requester may fetch it");
  assert.ok((await listed(cookies.alice)).some((a) => a.id === staged.body.id));
  const thread = await api<{ items: CommentDTO[] }>(url, cookies.alice, "GET", `/api/tickets/${ticket.id}/comments`);
  assert.deepEqual(thread.body.items.find((c) => c.id === sent.body.id)?.attachments?.map((a) => a.id), [staged.body.id]);

  // Sent once: it cannot be sent again, and the failed send changes nothing.
  const again = await comment(cookies.agent, { body: "Again", attachmentIds: [staged.body.id] });
  assert.equal(again.status, 400);
  const after = await api<{ items: CommentDTO[] }>(url, cookies.agent, "GET", `/api/tickets/${ticket.id}/comments`);
  assert.ok(!after.body.items.some((c) => c.body === "Again"), "a refused comment is not stored");
});

test("nobody sends another's staged file; a note's file stays internal", async () => {
  const adminsFile = await stage(cookies.admin, "admin.txt", "admin's");
  const stolen = await comment(cookies.agent, { body: "Sending Ada's file", attachmentIds: [adminsFile.body.id] });
  assert.equal(stolen.status, 400);

  const secret = await stage(cookies.agent, "internal.png", "\u0089PNG fake", "image/png");
  const note = await comment(cookies.agent, { body: "Screenshot of the admin console", internal: true, attachmentIds: [secret.body.id] });
  assert.equal(note.status, 201);
  assert.equal(note.body.attachments?.[0]?.internal, true);
  assert.equal((await download(cookies.admin, secret.body)).status, 200, "staff may fetch a note's file");
  assert.equal((await download(cookies.alice, secret.body)).status, 404, "the requester may not");
  assert.ok(!(await listed(cookies.alice)).some((a) => a.id === secret.body.id), "nor see it listed");
  assert.ok((await listed(cookies.admin)).some((a) => a.id === secret.body.id));

  // A requester cannot stage on a ticket that is not theirs.
  const bobs = await stage(cookies.bob, "x.txt", "x");
  assert.equal(bobs.status, 404);
});

test("replies with files and plain replies sent at the same moment all land, in order", async () => {
  // A reply with files takes a transaction, a plain one a single statement;
  // both lock the ticket's row and its search index. Taken in opposite
  // orders, PostgreSQL would find a deadlock and refuse one of them.
  const target = await createTicket(url, cookies.alice, { title: "Busy thread" });
  const files = [];
  for (let i = 0; i < 8; i++) files.push((await stage(cookies.agent, `part-${i}.txt`, `part ${i}`, "text/plain", target.id)).body);
  const send = (cookie: string, body: Record<string, unknown>) => api<CommentDTO>(url, cookie, "POST", `/api/tickets/${target.id}/comments`, body);
  const sent = await Promise.all(
    files.flatMap((file, i) => [
      send(cookies.agent, { body: `with file ${i}`, attachmentIds: [file.id] }),
      send(cookies.admin, { body: `plain ${i}` }),
      send(cookies.alice, { body: `from the requester ${i}` }),
    ]),
  );
  assert.deepEqual(sent.map((r) => r.status), sent.map(() => 201), JSON.stringify(sent.filter((r) => r.status !== 201).map((r) => r.body)));
  const thread = await api<{ items: CommentDTO[] }>(url, cookies.agent, "GET", `/api/tickets/${target.id}/comments`);
  assert.equal(thread.body.items.length, files.length * 3);
  const events = await api<{ items: { seq: number; type: string }[] }>(url, cookies.agent, "GET", `/api/tickets/${target.id}/events?after=0`);
  assert.equal(events.status, 200);
  const seqs = events.body.items.map((e) => e.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => seqs[0]! + i), "the events are numbered without gaps or repeats");
  assert.equal(events.body.items.filter((e) => e.type === "comment:added").length, files.length * 3);
});
