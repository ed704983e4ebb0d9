/**
 * A socket load generator: one child process of the harness (bench/run.ts)
 * holding a share of the benchmark's sockets, so that receiving events costs
 * this process's CPU, not the harness's nor the server's. Driven over IPC
 * (see ClientCommand); every answer carries this process's own CPU use.
 *
 * The same code talks to Tandem and to the bare Socket.IO server
 * (bench/bare-server.mjs): both deliver `comment:added` whose
 * `data.comment.body` is the marker `bench|<phase>|<room>|<n>`; only the join
 * differs (`ticket:join` through Tandem's policy, `bench:join` on bare).
 */
import { io, type Socket } from "socket.io-client";
import { nowMs } from "./lib/measure";

export type SocketSpec = { url: string; cookie?: string };

export type ClientCommand =
  | { cmd: "connect"; kind: "tandem" | "bare"; sockets: SocketSpec[]; localAddresses: string[]; concurrency: number }
  /** `lists`: Tandem's `lists:watch` (the staff ticket list, which hears every ticket's comments) instead of joining the ticket. */
  | { cmd: "join"; joins: { index: number; room: string }[]; concurrency: number; via?: "lists" }
  | { cmd: "record" }
  | { cmd: "report" }
  | { cmd: "count" }
  | { cmd: "catchup"; url: string; cookie: string; ticketId: string; missed: number; repeats: number }
  | { cmd: "close" };

/** What one marker's arrivals looked like in this process. */
export type MarkerArrivals = { times: number[] };

export type ClientReply = {
  ok: boolean;
  error?: string;
  cpu: number;
  /** connect / join: how many and how long; join: how many attempts the server refused as retryable. */
  done?: number;
  ms?: number;
  retries?: number;
  /** report: arrivals per marker, and events that should not have come. */
  markers?: Record<string, MarkerArrivals>;
  duplicates?: number;
  foreign?: number;
  /** The first event payload seen (Tandem's), so the bare server can send the same size. */
  sample?: unknown;
  /** catchup: ms from the first join to being live again, and how many missed events arrived each time. */
  catchup?: { ms: number[]; counts: number[] };
};

type Held = { socket: Socket; rooms: Set<string>; seen: Set<string> };

const held: Held[] = [];
let kind: "tandem" | "bare" = "tandem";
let recording = false;
let markers = new Map<string, number[]>();
let duplicates = 0;
let foreign = 0;
let sample: unknown;

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function reply(r: Omit<ClientReply, "cpu">) {
  process.send!({ ...r, cpu: cpu() } satisfies ClientReply);
}

function onEvent(h: Held, payload: unknown) {
  const at = nowMs();
  const raw = (payload as { data?: { comment?: { body?: unknown } } })?.data?.comment?.body;
  if (typeof raw !== "string" || !raw.startsWith("bench|")) return;
  // The bare server's copies are padded to the size of Tandem's.
  const body = raw.trimEnd();
  sample ??= payload;
  if (!recording) return;
  const room = body.split("|")[2]!;
  if (!h.rooms.has(room)) foreign++;
  if (h.seen.has(body)) {
    duplicates++;
    return;
  }
  h.seen.add(body);
  let times = markers.get(body);
  if (!times) markers.set(body, (times = []));
  times.push(at);
}

function open(spec: SocketSpec, localAddress: string | undefined): Promise<Socket> {
  const socket = io(spec.url, {
    path: "/socket.io/",
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: 60_000,
    extraHeaders: spec.cookie ? { cookie: spec.cookie } : {},
    // Several loopback source addresses, so 10,000+ sockets do not exhaust one address's ephemeral ports.
    ...(localAddress ? { localAddress } : {}),
  } as Parameters<typeof io>[1]);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (e: Error) => {
      socket.close();
      reject(e);
    });
  });
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

async function handle(msg: ClientCommand) {
  switch (msg.cmd) {
    case "connect": {
      kind = msg.kind;
      const t0 = performance.now();
      const start = held.length;
      await forEachLimit(msg.sockets, msg.concurrency, async (spec, i) => {
        const socket = await open(spec, msg.localAddresses[(start + i) % msg.localAddresses.length]);
        const h: Held = { socket, rooms: new Set(), seen: new Set() };
        socket.on("comment:added", (p: unknown) => onEvent(h, p));
        socket.on("disconnect", (reason: string) => {
          // A dropped socket would show up as missing deliveries; say why.
          if (reason !== "io client disconnect") process.stderr.write(`[bench clients] socket dropped: ${reason}\n`);
        });
        held[start + i] = h;
      });
      return reply({ ok: true, done: msg.sockets.length, ms: performance.now() - t0 });
    }
    case "join": {
      const t0 = performance.now();
      let retries = 0;
      await forEachLimit(msg.joins, msg.concurrency, async ({ index, room }) => {
        const h = held[index];
        if (!h) throw new Error(`no socket ${index} in this process`);
        // Like the browser's realtime client, retry a join the server could
        // not serve right now (e.g. every database connection busy); counted.
        for (let attempt = 0; ; attempt++) {
          const ack = (
            kind === "bare"
              ? await h.socket.timeout(60_000).emitWithAck("bench:join", { room })
              : msg.via === "lists"
                ? await h.socket.timeout(60_000).emitWithAck("lists:watch", {})
                : await h.socket.timeout(60_000).emitWithAck("ticket:join", { ticketId: room })
          ) as { ok?: boolean; error?: { code?: string } };
          if (ack.ok) break;
          const retryable = ack.error?.code === "UNAVAILABLE" || ack.error?.code === "RATE_LIMITED";
          if (!retryable || attempt >= 20) throw new Error(`join ${room} refused: ${JSON.stringify(ack)}`);
          retries++;
          await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
        }
        h.rooms.add(room);
      });
      return reply({ ok: true, done: msg.joins.length, ms: performance.now() - t0, retries });
    }
    case "record":
      recording = true;
      markers = new Map();
      duplicates = 0;
      foreign = 0;
      for (const h of held) h.seen.clear();
      return reply({ ok: true });
    case "report":
      return reply({ ok: true, markers: Object.fromEntries([...markers].map(([k, times]) => [k, { times }])), duplicates, foreign, sample });
    case "count":
      return reply({ ok: true, done: [...markers.values()].reduce((n, t) => n + t.length, 0) });
    case "catchup": {
      // What the browser does (src/hooks/use-live-ticket.ts): join with the
      // last seq it applied; if it is too far behind (RESYNC), fetch the
      // missed events over HTTP page by page, then join again.
      const socket = await open({ url: msg.url, cookie: msg.cookie }, undefined);
      type JoinAck = { ok: boolean; seq?: number; missed?: unknown[]; error?: { code: string } };
      const join = async (sinceSeq?: number) =>
        (await socket.timeout(60_000).emitWithAck("ticket:join", { ticketId: msg.ticketId, ...(sinceSeq !== undefined ? { sinceSeq } : {}) })) as JoinAck;
      const leave = () => socket.timeout(10_000).emitWithAck("ticket:leave", { ticketId: msg.ticketId });
      const ms: number[] = [];
      const counts: number[] = [];
      try {
        const first = await join();
        if (!first.ok) throw new Error(`join refused: ${JSON.stringify(first)}`);
        await leave();
        const sinceSeq = Math.max(0, first.seq! - msg.missed);
        for (let i = 0; i < msg.repeats; i++) {
          const t0 = performance.now();
          let got = 0;
          let ack = await join(sinceSeq);
          if (!ack.ok && ack.error?.code === "RESYNC") {
            let after = sinceSeq;
            for (;;) {
              const res = await fetch(`${msg.url}/api/tickets/${msg.ticketId}/events?after=${after}`, { headers: { cookie: msg.cookie } });
              if (res.status !== 200) throw new Error(`events page: HTTP ${res.status}`);
              const page = (await res.json()) as { seq: number; items: { seq: number }[]; truncated: boolean };
              got += page.items.length;
              const upTo = page.truncated ? (page.items.at(-1)?.seq ?? after) : page.seq;
              if (!page.truncated || upTo <= after) {
                after = upTo;
                break;
              }
              after = upTo;
            }
            ack = await join(after);
          }
          if (!ack.ok) throw new Error(`catch-up join refused: ${JSON.stringify(ack)}`);
          got += ack.missed?.length ?? 0;
          ms.push(performance.now() - t0);
          counts.push(got);
          await leave();
        }
      } finally {
        socket.close();
      }
      return reply({ ok: true, catchup: { ms, counts } });
    }
    case "close":
      for (const h of held) h.socket.close();
      reply({ ok: true });
      process.disconnect?.();
      setTimeout(() => process.exit(0), 100).unref();
      return;
  }
}

// One command at a time, in order.
let queue = Promise.resolve();
process.on("message", (msg: ClientCommand) => {
  queue = queue.then(() => handle(msg)).catch((e: unknown) => reply({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }));
});
process.on("disconnect", () => process.exit(0));
