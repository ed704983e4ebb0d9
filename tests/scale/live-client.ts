/**
 * A model of the browser's live ticket page for the delivery tests: a
 * socket.io-client socket that reconnects by itself, rejoins its ticket with
 * the highest seq it has applied contiguously, applies each seq once, and
 * fetches a gap over GET /api/tickets/:id/events?after= (never the whole
 * ticket: no "reload"). It records when each seq arrived, so tests can check
 * that every committed event reached it in time. Not a test file.
 */
import assert from "node:assert/strict";
import type { AnyTicketEvent, TicketJoinAck } from "../../src/shared/realtime";
import { api, type ClientSocket, connectSocket } from "../helpers/server";

export type Applied = { seq: number; type: string; text: string; at: number };

/** What a test compares: an event's number, type and comment text. */
export function describe(e: AnyTicketEvent): string {
  return e.type === "comment:added" ? `${e.seq} ${e.type} ${e.data.comment.body}` : `${e.seq} ${e.type}`;
}

export class LiveClient {
  readonly applied = new Map<number, Applied>();
  /** Seqs that arrived twice with different content: must stay empty. */
  readonly conflicts: string[] = [];
  /** Times the socket (re)connected. */
  readonly connects: number[] = [];
  private socket!: ClientSocket;
  private fetching = false;

  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly cookie: string,
    private readonly ticketId: string,
  ) {}

  async start(): Promise<void> {
    this.socket = await connectSocket(this.url, this.cookie, { reconnection: true });
    this.socket.on("comment:added", (e) => this.receive(e));
    this.socket.on("attachment:added", (e) => this.receive(e));
    this.socket.on("ticket:updated", (e) => this.receive(e));
    this.socket.on("connect", () => void this.join());
    await this.join();
  }

  close(): void {
    this.socket?.close();
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** The highest seq below which every event has been applied. */
  get watermark(): number {
    let seq = 0;
    while (this.applied.has(seq + 1)) seq++;
    return seq;
  }

  /** The applied events, described, in seq order. */
  view(): string[] {
    return [...this.applied.values()].sort((a, b) => a.seq - b.seq).map((a) => `${a.seq} ${a.type}${a.text ? ` ${a.text}` : ""}`);
  }

  private async join(): Promise<void> {
    this.connects.push(Date.now());
    for (let attempt = 0; attempt < 20 && this.socket.connected; attempt++) {
      let ack: TicketJoinAck;
      try {
        ack = await this.socket.timeout(10_000).emitWithAck("ticket:join", { ticketId: this.ticketId, sinceSeq: this.watermark });
      } catch {
        continue; // no answer (the process went away): the next connect joins again
      }
      if (ack.ok) {
        ack.missed.forEach((e) => this.apply(e));
        return;
      }
      if (ack.error.code === "RESYNC") await this.fillGap();
      else await new Promise((r) => setTimeout(r, 200));
    }
  }

  private receive(e: AnyTicketEvent): void {
    if (e.ticketId !== this.ticketId) return;
    this.apply(e);
    if (e.seq > this.watermark + 1) void this.fillGap();
  }

  private apply(e: AnyTicketEvent): void {
    const type = e.type;
    const text = e.type === "comment:added" ? e.data.comment.body : "";
    const had = this.applied.get(e.seq);
    if (had) {
      if (had.type !== type || had.text !== text) this.conflicts.push(`${e.seq}: ${had.type} ${had.text} / ${type} ${text}`);
      return;
    }
    this.applied.set(e.seq, { seq: e.seq, type, text, at: Date.now() });
  }

  /** Fetch what is missing after the watermark over HTTP, as the page does for a gap that stays open. */
  private async fillGap(): Promise<void> {
    if (this.fetching) return;
    this.fetching = true;
    try {
      for (let i = 0; i < 10; i++) {
        const res = await api<{ items: AnyTicketEvent[] }>(this.url, this.cookie, "GET", `/api/tickets/${this.ticketId}/events?after=${this.watermark}`).catch(() => null);
        if (!res || res.status !== 200) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        res.body.items.forEach((e) => this.apply(e));
        if (res.body.items.length === 0) return;
      }
    } finally {
      this.fetching = false;
    }
  }
}

/** Everything `cookie`'s user may see of the ticket, from the API: the truth a client must end with. */
export async function committedView(url: string, cookie: string, ticketId: string): Promise<string[]> {
  const out: string[] = [];
  for (let after = 0; ; ) {
    const res = await api<{ items: AnyTicketEvent[] }>(url, cookie, "GET", `/api/tickets/${ticketId}/events?after=${after}`);
    if (res.status !== 200) throw new Error(`events: HTTP ${res.status}`);
    if (res.body.items.length === 0) return out;
    for (const e of res.body.items) out.push(describe(e));
    after = res.body.items[res.body.items.length - 1]!.seq;
  }
}

/**
 * The delivery guarantee, checked: within `deadlineMs` (with no writes
 * meanwhile, so nothing else nudges delivery) every client is connected and
 * holds exactly `expected(client)`; then, per event, it arrived no later than
 * `deadlineMs` after its commit (`committedAt`, by comment text), or after the
 * client's last (re)connect before it arrived.
 */
export async function assertConverged(
  scenario: string,
  clients: LiveClient[],
  expected: (c: LiveClient) => string[],
  committedAt: Map<string, number>,
  deadlineMs = 5_000,
): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < deadlineMs && !clients.every((c) => c.connected && c.view().join("\n") === expected(c).join("\n"))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const c of clients) {
    assert.deepEqual(c.conflicts, [], `${scenario}: ${c.name} received conflicting events`);
    assert.deepEqual(c.view(), expected(c), `${scenario}: ${c.name} does not hold exactly the committed events it may see, ${deadlineMs} ms after the writes stopped`);
  }
  for (const c of clients) {
    for (const applied of c.applied.values()) {
      const committed = committedAt.get(applied.text);
      if (committed === undefined) continue; // not timed (written before, or its response was lost)
      const reconnect = Math.max(...c.connects.filter((t) => t <= applied.at), 0);
      const lateBy = applied.at - Math.max(committed, reconnect);
      assert.ok(lateBy <= deadlineMs, `${scenario}: "${applied.text}" reached ${c.name} ${lateBy} ms after its commit`);
    }
  }
}
