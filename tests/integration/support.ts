/**
 * Small helpers shared by the integration tests (on top of tests/helpers/server.ts).
 * Not a test file itself: the runner only picks up `*.test.ts`.
 */
import fs from "node:fs";
import path from "node:path";
import type { Page, TicketDTO } from "../../src/shared/dto";
import type { ServerToClientEvents, TicketJoinAck, TTicketJoin } from "../../src/shared/realtime";
import { api, type ClientSocket } from "../helpers/server";

export { freePort } from "../helpers/services";
export { until } from "../helpers/until";

export type Me = { id: string; name: string; email: string; role: string };

/** The signed-in user behind `cookie`, from next-auth's session endpoint. */
export async function whoAmI(url: string, cookie: string): Promise<Me> {
  const res = await api<{ user?: Me }>(url, cookie, "GET", "/api/auth/session");
  if (res.status !== 200 || !res.body.user?.id) throw new Error(`no session: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.user;
}

/** Every ticket `cookie` may list, walking all pages. */
export async function listAll(url: string, cookie: string, query = ""): Promise<TicketDTO[]> {
  const all: TicketDTO[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const qs = new URLSearchParams(query);
    qs.set("limit", "100");
    if (cursor) qs.set("cursor", cursor);
    const res = await api<Page<TicketDTO>>(url, cookie, "GET", `/api/tickets?${qs}`);
    if (res.status !== 200) throw new Error(`list failed: ${res.status} ${JSON.stringify(res.body)}`);
    all.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return all;
  }
  throw new Error("listAll: too many pages");
}

/** Create a ticket over HTTP and return it (throws unless 201). */
export async function createTicket(
  url: string,
  cookie: string,
  input: { title: string; description?: string; priority?: string },
): Promise<TicketDTO> {
  const res = await api<TicketDTO>(url, cookie, "POST", "/api/tickets", { description: "Details.", ...input });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** ticket:join with an ack (times out rather than hanging the test). */
export function join(socket: ClientSocket, payload: TTicketJoin | Record<string, unknown>): Promise<TicketJoinAck> {
  return socket.timeout(10_000).emitWithAck("ticket:join", payload as TTicketJoin);
}

/** Files under `dir`, relative, recursively (directories listed with a trailing slash). */
export function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const rel = path.relative(dir, path.join(entry.parentPath ?? (entry as { path?: string }).path ?? dir, entry.name));
    out.push(entry.isDirectory() ? `${rel}/` : rel);
  }
  return out.sort();
}

/**
 * A multipart/form-data body for one `file` field whose bytes arrive through
 * `source`, sent without Content-Length (chunked). Returns fetch init parts.
 */
export function streamingMultipart(
  fileName: string,
  source: AsyncIterable<Uint8Array>,
): { headers: Record<string, string>; body: ReadableStream<Uint8Array> } {
  const boundary = `----tandem-test-${Math.random().toString(16).slice(2)}`;
  const head = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  async function* parts() {
    yield head;
    yield* source;
    yield tail;
  }
  const it = parts();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
  return { headers: { "content-type": `multipart/form-data; boundary=${boundary}` }, body };
}

/** `total` bytes in chunks of `chunk` bytes. */
export async function* bytes(total: number, chunk = 64 * 1024): AsyncIterable<Uint8Array> {
  for (let sent = 0; sent < total; sent += chunk) yield new Uint8Array(Math.min(chunk, total - sent)).fill(0x61);
}

/**
 * Resolve with the first `n` events matching `predicate` on `socket`
 * (listening starts now), or reject after `ms` saying how many arrived.
 */
export function nextEvents<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  n: number,
  predicate: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  ms = 10_000,
): Promise<Array<Parameters<ServerToClientEvents[E]>[0]>> {
  const got: Array<Parameters<ServerToClientEvents[E]>[0]> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler as never);
      reject(new Error(`only ${got.length} of ${n} ${String(event)} events within ${ms} ms`));
    }, ms);
    const handler = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!predicate(payload)) return;
      got.push(payload);
      if (got.length < n) return;
      clearTimeout(timer);
      socket.off(event, handler as never);
      resolve(got);
    };
    socket.on(event, handler as never);
  });
}
