import "server-only";
import type { Role } from "../../shared/enums";
import type { PresenceTicket } from "../../shared/realtime";
import { type PresenceEntry, presenceCap, presenceChangeShownToRequester, presenceRooms, presenceSummaryOf, presenceViewFor } from "../policy";
import type { PresenceChange } from "./update-presence";
import { entriesAt, type PresenceItem, type PresenceStore, type StoredPresence } from "./store";

/** Typing intent lasts this long after the client's last beat (it beats every ~3 s while typing). */
export const COMPOSING_MS = 12_000;
/** A change to a quiet ticket goes out this long after it is stored, with whatever else changed meanwhile. */
const SETTLE_MS = 50;
/**
 * A ticket is announced at most once per this window, however many changes
 * it sees. Every announcement reaches every socket of the ticket's rooms
 * (and the summary every staff socket), so announcing each change made a
 * crowd joining at once cost (crowd size)²; coalesced, a burst costs each
 * socket one message per window. 200 ms is below what a person notices as
 * lag on "who is here" and typing lines, and bounds a busy ticket to five
 * announcements a second per process.
 */
export const ANNOUNCE_EVERY_MS = 200;

export type PresenceEmit = (
  /** "all": through the adapter to every process; "local": this process's sockets only. */
  scope: "all" | "local",
  room: string,
  event: "presence:ticket" | "presence:summary",
  payload: PresenceTicket,
) => void;

export type PresenceHubDeps = {
  store: PresenceStore;
  /** How long an entry outlives its owner's last refresh (the owner refreshes every ttlMs / 3). */
  ttlMs: number;
  /** How often this process re-reads the tickets its sockets watch. */
  tickMs: number;
  emit: PresenceEmit;
  onError(what: string, e: unknown): void;
  now?: () => number;
  composingMs?: number;
};

export type PresenceSocket = { id: string; user: { id: string; name: string; role: Role } };

export type PresenceHub = ReturnType<typeof createPresenceHub>;

type Shown = { staff: string; requester: string; summary: string };

/** Tickets a tick reads and compares in one turn of the event loop (see tick). */
const TICK_SLICE = 16;
/** Entries a refresh writes to the store in one turn of the event loop (see refresh). */
const REFRESH_SLICE = 1_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Which views of a ticket's presence a change may have changed (the staff's always may). */
type Changed = { summary: boolean; requester: boolean };
/** Someone arrived or left: every view may have changed. */
const EVERY_VIEW: Changed = { summary: true, requester: true };

/**
 * This process's part of presence. It owns the entries of its own sockets
 * (created on a successful ticket:join, gone on leave or disconnect) and
 * writes them to the store, which is shared by all processes with Redis.
 *
 * Liveness is the socket connection, never a client timer (browsers throttle
 * timers in background tabs to about once a minute, so client heartbeats
 * would make viewers flap). A disconnect (tab closed, or a network drop once
 * the ping times out) removes entries at once; entries of a process that died
 * without cleaning up (kill -9) lapse: the owner pushes every entry's
 * deadline out every ttlMs / 3, and nobody else does.
 *
 * Changes are announced through the adapter, each audience its own view
 * (see presenceViewFor in the policy), capped (presenceCap) and coalesced
 * per ticket (ANNOUNCE_EVERY_MS), so the cost of presence grows with a
 * room's size, not with its square. Changes nobody announces (typing
 * intent running out, a dead process's entries lapsing) are found by the
 * tick: every tickMs this process re-reads the tickets its sockets watch and
 * tells its own sockets what changed since it last told them.
 */
export function createPresenceHub(deps: PresenceHubDeps) {
  const now = deps.now ?? Date.now;
  const composingMs = deps.composingMs ?? COMPOSING_MS;
  /** socket id → ticket id → that socket's entry. */
  const owned = new Map<string, Map<string, StoredPresence>>();
  /** socket id → tickets of its ticket list (presence:list). */
  const listed = new Map<string, Set<string>>();
  /** What this process last sent for a ticket, per audience, to tell changes from repeats. */
  const shown = new Map<string, Shown>();
  /**
   * The entries each `shown` was computed from, as one string: a tick skips a
   * ticket whose entries did not change (its views could not have), instead of
   * computing every watched ticket's three views again every tickMs (35 ms of
   * main thread every 3 s at 10,000 sockets in rooms of 100, which delayed
   * the comments being delivered meanwhile: bench/findings.md, eleventh round).
   */
  const inputs = new Map<string, string>();
  /**
   * Tickets to announce, which views may have changed (the summary: who, idle;
   * the requester's: who of the staff, and who of them writes a reply), and
   * when they are due.
   */
  const pending = new Map<string, Changed & { due: number }>();
  /** When each ticket was last announced (kept for one window), to space announcements ANNOUNCE_EVERY_MS apart. */
  const announcedAt = new Map<string, number>();
  let settle: ReturnType<typeof setTimeout> | undefined;
  let settleAt = Infinity;
  // Real time for the windows, whatever clock `now` is (tests move that one by hand).
  const clock = () => performance.now();
  let timers: ReturnType<typeof setInterval>[] = [];
  let closed = false;
  // Announcements and ticks read the store and emit; run one at a time so an
  // older read can never be emitted after a newer one.
  let queue: Promise<void> = Promise.resolve();
  const serial = (job: () => Promise<void>) => (queue = queue.then(job, job));

  function composingOf(entry: StoredPresence, at: number) {
    return entry.composing && entry.composingUntil > at ? entry.composing : null;
  }

  function write(items: PresenceItem[], then?: () => void) {
    deps.store.put(items).then(then, (e: unknown) => deps.onError("presence write failed", e));
  }

  /**
   * Mark `ticketId` changed: it is announced once, SETTLE_MS from now or one
   * window after its last announcement, whichever is later, with every change
   * made until then. One timer serves all tickets; tickets due together are
   * read from the store in one go.
   */
  function announce(ticketId: string, changed: Changed) {
    const waiting = pending.get(ticketId);
    if (waiting) {
      waiting.summary ||= changed.summary;
      waiting.requester ||= changed.requester;
      return;
    }
    const due = Math.max(clock() + SETTLE_MS, (announcedAt.get(ticketId) ?? -Infinity) + ANNOUNCE_EVERY_MS);
    pending.set(ticketId, { ...changed, due });
    schedule(due);
  }

  function schedule(due: number) {
    if (closed || due >= settleAt) return;
    if (settle) clearTimeout(settle);
    settleAt = due;
    settle = setTimeout(announceDue, Math.max(0, due - clock()));
  }

  function announceDue() {
    settle = undefined;
    settleAt = Infinity;
    const at = clock();
    for (const [ticketId, when] of announcedAt) if (at - when >= ANNOUNCE_EVERY_MS) announcedAt.delete(ticketId);
    const batch: Array<[string, Changed]> = [];
    let next = Infinity;
    for (const [ticketId, { summary, requester, due }] of pending) {
      // A few ms early is the same announcement (timers fire late as often as not).
      if (due > at + 5) {
        next = Math.min(next, due);
        continue;
      }
      pending.delete(ticketId);
      announcedAt.set(ticketId, at);
      batch.push([ticketId, { summary, requester }]);
    }
    if (batch.length) serial(() => flush(batch));
    if (next < Infinity) schedule(next);
  }

  /**
   * Everything of the entries the views are made from, in their order (the
   * views are a function of it), unambiguously: the name, the only free text,
   * goes with its length; ids are cuids and the rest are enums.
   */
  function inputOf(entries: PresenceEntry[]): string {
    let out = "";
    for (const e of entries) out += `${e.userId} ${e.name.length}:${e.name} ${e.role} ${e.idle ? 1 : 0} ${e.composing ?? "-"}\n`;
    return out;
  }

  /** What each audience is sent: its view, capped (see presenceCap), computed once per ticket and announcement. */
  function viewsOf(entries: PresenceEntry[]) {
    const staff = presenceCap(presenceViewFor("staff", entries));
    const requester = presenceCap(presenceViewFor("requester", entries));
    const summary = presenceCap(presenceSummaryOf(entries));
    return { staff, requester, summary, signature: { staff: JSON.stringify(staff), requester: JSON.stringify(requester), summary: JSON.stringify(summary) } };
  }

  function send(scope: "all" | "local", ticketId: string, event: "presence:ticket" | "presence:summary", room: string, view: Omit<PresenceTicket, "ticketId">) {
    deps.emit(scope, room, event, { ticketId, ...view });
  }

  async function read(ticketIds: string[]): Promise<Map<string, PresenceEntry[]>> {
    const at = now();
    const stored = await deps.store.read(ticketIds, at);
    const out = new Map<string, PresenceEntry[]>();
    for (const ticketId of ticketIds) out.set(ticketId, entriesAt(stored.get(ticketId) ?? [], at));
    return out;
  }

  /** Every process's sockets hear a change at once, each audience in its own view. */
  async function flush(batch: Array<[string, Changed]>) {
    let current: Map<string, PresenceEntry[]>;
    try {
      current = await read(batch.map(([ticketId]) => ticketId));
    } catch (e) {
      // The tick tells this process's sockets once the store answers again.
      deps.onError("presence read failed", e);
      return;
    }
    for (const [ticketId, changed] of batch) {
      const views = viewsOf(current.get(ticketId) ?? []);
      const rooms = presenceRooms(ticketId);
      send("all", ticketId, "presence:ticket", rooms.staff, views.staff);
      // Only when it may have changed. Sent for a staff member's note or idle
      // state, the same view again told the requester that a note was being
      // written (and when it was done): what the requester's view leaves out
      // must not show in when it arrives either.
      if (changed.requester) send("all", ticketId, "presence:ticket", rooms.requester, views.requester);
      // Always when it may have changed: another process may have sent a
      // different summary since this one last did, so "same as I last sent" proves nothing.
      if (changed.summary) send("all", ticketId, "presence:summary", rooms.summary, views.summary);
      shown.set(ticketId, views.signature);
      inputs.set(ticketId, inputOf(current.get(ticketId) ?? []));
    }
  }

  /**
   * Tell this process's sockets what changed without an announcement
   * (expiry). A slice of tickets at a time, each in its own turn of the
   * event loop: at 10,000 sockets in rooms of 100, one pass over every
   * watched ticket kept the main thread 12 ms (and the collection its
   * garbage set off, 8-10 ms more) every tickMs, and every delivery that
   * came due meanwhile waited (bench/findings.md, sixteenth round).
   */
  async function tick() {
    const watched = new Set<string>();
    for (const tickets of owned.values()) for (const ticketId of tickets.keys()) watched.add(ticketId);
    for (const tickets of listed.values()) for (const ticketId of tickets) watched.add(ticketId);
    for (const ticketId of shown.keys()) {
      if (!watched.has(ticketId)) {
        shown.delete(ticketId);
        inputs.delete(ticketId);
      }
    }
    if (watched.size === 0) return;
    const ids = [...watched];
    for (let from = 0; from < ids.length; from += TICK_SLICE) {
      if (from > 0) {
        await nextTurn();
        if (closed) return;
      }
      let current: Map<string, PresenceEntry[]>;
      try {
        current = await read(ids.slice(from, from + TICK_SLICE));
      } catch (e) {
        deps.onError("presence read failed", e);
        return;
      }
      compare(current);
    }
  }

  /** Tell this process's sockets the views of `current` that differ from what they were last told. */
  function compare(current: Map<string, PresenceEntry[]>) {
    for (const [ticketId, entries] of current) {
      const input = inputOf(entries);
      if (shown.has(ticketId) && inputs.get(ticketId) === input) continue;
      const views = viewsOf(entries);
      const before = shown.get(ticketId);
      const rooms = presenceRooms(ticketId);
      if (before?.staff !== views.signature.staff) send("local", ticketId, "presence:ticket", rooms.staff, views.staff);
      if (before?.requester !== views.signature.requester) send("local", ticketId, "presence:ticket", rooms.requester, views.requester);
      if (before?.summary !== views.signature.summary) send("local", ticketId, "presence:summary", rooms.summary, views.summary);
      shown.set(ticketId, views.signature);
      inputs.set(ticketId, input);
    }
  }

  /**
   * Push out the deadline of every entry this process owns, written to the
   * store a slice at a time like the tick (at 10,000 sockets one write of
   * all of them held the main thread 5-9 ms every ttlMs / 3).
   */
  function refresh(then?: () => void) {
    const expiresAt = now() + deps.ttlMs;
    const items: PresenceItem[] = [];
    for (const tickets of owned.values()) {
      for (const [ticketId, entry] of tickets) {
        entry.expiresAt = expiresAt;
        items.push({ ticketId, entry });
      }
    }
    void (async () => {
      const writes: Promise<void>[] = [];
      for (let from = 0; from < items.length; from += REFRESH_SLICE) {
        if (from > 0) {
          await nextTurn();
          if (closed) return;
        }
        const written = deps.store.put(items.slice(from, from + REFRESH_SLICE));
        // Handled now, not only at Promise.all after the next slices: with
        // Redis down a slice rejects at once, and an unhandled rejection
        // meanwhile ends a Node process.
        written.catch(() => {});
        writes.push(written);
      }
      try {
        await Promise.all(writes);
      } catch (e) {
        deps.onError("presence write failed", e);
        return;
      }
      then?.();
    })();
  }

  function removeAll(socketId: string): Array<{ ticketId: string; key: string }> {
    const tickets = owned.get(socketId);
    owned.delete(socketId);
    return [...(tickets?.keys() ?? [])].map((ticketId) => ({ ticketId, key: socketId }));
  }

  return {
    start() {
      timers = [setInterval(refresh, Math.max(1_000, Math.floor(deps.ttlMs / 3))), setInterval(() => serial(tick), deps.tickMs)];
      for (const timer of timers) timer.unref();
    },

    /** A socket joined `ticketId` (ticket:join succeeded): it is a viewer now. Joining again changes nothing. */
    enter(socket: PresenceSocket, ticketId: string) {
      if (closed) return;
      let tickets = owned.get(socket.id);
      if (!tickets) owned.set(socket.id, (tickets = new Map()));
      const existing = tickets.get(ticketId);
      const entry: StoredPresence = existing ?? {
        key: socket.id,
        userId: socket.user.id,
        name: socket.user.name,
        role: socket.user.role,
        idle: false,
        composing: null,
        composingUntil: 0,
        expiresAt: 0,
      };
      entry.expiresAt = now() + deps.ttlMs;
      tickets.set(ticketId, entry);
      write([{ ticketId, entry }], () => announce(ticketId, EVERY_VIEW));
    },

    /** Apply a parsed presence:update; false when the socket has not joined that ticket. */
    update(socketId: string, change: PresenceChange): boolean {
      const entry = owned.get(socketId)?.get(change.ticketId);
      if (!entry || closed) return false;
      const at = now();
      const wasComposing = composingOf(entry, at);
      const wasIdle = entry.idle;
      if (change.idle !== undefined) entry.idle = change.idle;
      if (change.composing === null) {
        entry.composing = null;
        entry.composingUntil = 0;
      } else if (change.composing !== undefined) {
        entry.composing = change.composing;
        entry.composingUntil = at + composingMs;
      }
      const idleChanged = entry.idle !== wasIdle;
      const composing = composingOf(entry, at);
      const composingChanged = composing !== wasComposing;
      // A beat that changes nothing visible still moves the deadline in the store.
      if (!idleChanged && !composingChanged && change.composing == null) return true;
      const requester = presenceChangeShownToRequester(entry.role, wasComposing, composing);
      write(
        [{ ticketId: change.ticketId, entry }],
        idleChanged || composingChanged ? () => announce(change.ticketId, { summary: idleChanged, requester }) : undefined,
      );
      return true;
    },

    /** The socket left `ticketId` (ticket:leave). */
    leave(socketId: string, ticketId: string) {
      const tickets = owned.get(socketId);
      if (!tickets?.delete(ticketId) || closed) return;
      if (tickets.size === 0) owned.delete(socketId);
      deps.store.remove([{ ticketId, key: socketId }]).then(
        () => announce(ticketId, EVERY_VIEW),
        (e: unknown) => deps.onError("presence remove failed", e),
      );
    },

    /** The socket is gone: every ticket it viewed loses it at once. */
    drop(socketId: string) {
      listed.delete(socketId);
      const items = removeAll(socketId);
      if (items.length === 0 || closed) return;
      deps.store.remove(items).then(
        () => items.forEach(({ ticketId }) => announce(ticketId, EVERY_VIEW)),
        (e: unknown) => deps.onError("presence remove failed", e),
      );
    },

    /** Keep a ticket list's viewers current for this socket (replaces its previous list). */
    watchList(socketId: string, ticketIds: string[]) {
      if (!closed) listed.set(socketId, new Set(ticketIds));
    },

    read,

    /** Run one tick / one refresh now (the timers of start() do this; tests call them directly). */
    tick: () => serial(tick),
    refresh: () => refresh(),

    /**
     * The store may have lost every entry (Redis restarted empty): write this
     * process's entries again now and announce their tickets once written.
     * Until the next refresh (up to ttlMs / 3 away) every viewer would
     * otherwise be missing from every screen, and those of a ticket nobody
     * changes would not come back until then either.
     */
    restore() {
      if (closed) return;
      refresh(() => {
        const tickets = new Set<string>();
        for (const mine of owned.values()) for (const ticketId of mine.keys()) tickets.add(ticketId);
        for (const ticketId of tickets) announce(ticketId, EVERY_VIEW);
      });
    },

    /**
     * Stop, and take this process's viewers out of the store so the other
     * processes' sockets see them leave now (their clients reconnect and
     * come back as new entries); bounded, so a dead Redis cannot hold up a
     * shutdown.
     */
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearInterval(timer);
      if (settle) clearTimeout(settle);
      settle = undefined;
      // Changes still waiting for their window go out with the viewers leaving.
      const tickets = new Set(pending.keys());
      pending.clear();
      listed.clear();
      const items = [...owned.keys()].flatMap(removeAll);
      for (const { ticketId } of items) tickets.add(ticketId);
      const done = deps.store.remove(items).then(
        () => flush([...tickets].map((ticketId) => [ticketId, EVERY_VIEW] as [string, Changed])),
        (e: unknown) => deps.onError("presence remove failed", e),
      );
      await Promise.race([Promise.all([done, queue]), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    },
  };
}
