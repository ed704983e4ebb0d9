import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import type { PresenceTicket } from "../../shared/realtime";
import { createMemoryPresenceStore } from "./memory-store";
import { PRESENCE_VIEWERS_SHOWN } from "../../shared/realtime";
import { ANNOUNCE_EVERY_MS, createPresenceHub, type PresenceEmit } from "./presence-hub";
import type { PresenceStore } from "./store";
import { presenceChangeOf } from "./update-presence";

const TTL = 30_000;
const agent = { id: "agent", name: "Agent", role: "AGENT" as const };
const alice = { id: "alice", name: "Alice", role: "REQUESTER" as const };

type Sent = { scope: "all" | "local"; room: string; event: string; payload: PresenceTicket };

/** A hub on `store` with a settable clock, recording what it emits. */
function hubOn(store: PresenceStore, clock: { now: number }) {
  const sent: Sent[] = [];
  const emit: PresenceEmit = (scope, room, event, payload) => sent.push({ scope, room, event, payload });
  const hub = createPresenceHub({ store, ttlMs: TTL, tickMs: 3_000, emit, onError: (what, e) => assert.fail(`${what}: ${String(e)}`), now: () => clock.now });
  return { hub, sent };
}

/** Announcements go out after a short settle, at most one per ticket per ANNOUNCE_EVERY_MS: wait two windows. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const settled = () => sleep(2 * ANNOUNCE_EVERY_MS);
const last = (sent: Sent[], room: string, event = "presence:ticket") => sent.filter((s) => s.room === room && s.event === event).at(-1)?.payload.viewers;

describe("presence hub", () => {
  let clock: { now: number };
  let store: PresenceStore;
  beforeEach(() => {
    clock = { now: 1_000_000 };
    store = createMemoryPresenceStore();
  });

  test("a join is announced to every process: each audience its own view, and the staff summary", async () => {
    const { hub, sent } = hubOn(store, clock);
    hub.enter({ id: "s-agent", user: agent }, "t1");
    hub.enter({ id: "s-alice", user: alice }, "t1");
    await settled();
    assert.ok(sent.every((s) => s.scope === "all"));
    assert.deepEqual(last(sent, "ticket:t1:staff"), [
      { userId: "agent", name: "Agent", role: "AGENT", idle: false },
      { userId: "alice", name: "Alice", role: "REQUESTER", idle: false },
    ]);
    assert.deepEqual(last(sent, "ticket:t1:requester"), [{ userId: "agent", name: "Agent" }]);
    assert.equal(last(sent, "lists:staff", "presence:summary")?.length, 2);
  });

  test("a note being written reaches the staff room only; typing alone does not touch the summary", async () => {
    const { hub, sent } = hubOn(store, clock);
    hub.enter({ id: "s-agent", user: agent }, "t1");
    await settled();
    const summaries = sent.filter((s) => s.event === "presence:summary").length;
    assert.equal(hub.update("s-agent", { ticketId: "t1", composing: "note" }), true);
    await settled();
    assert.equal(last(sent, "ticket:t1:staff")?.[0]?.composing, "note");
    assert.deepEqual(last(sent, "ticket:t1:requester"), [{ userId: "agent", name: "Agent" }]);
    assert.ok(!sent.some((s) => s.room === "ticket:t1:requester" && JSON.stringify(s.payload).includes("note")));
    assert.equal(sent.filter((s) => s.event === "presence:summary").length, summaries);
  });

  test("a requester hears nothing when staff start or stop a note or go idle, only when a reply starts or stops", async () => {
    const { hub, sent } = hubOn(store, clock);
    hub.enter({ id: "s-agent", user: agent }, "t1");
    hub.enter({ id: "s-alice", user: alice }, "t1");
    await settled();
    const toRequester = () => sent.filter((s) => s.room === "ticket:t1:requester").length;
    const before = toRequester();
    const staffBefore = sent.filter((s) => s.room === "ticket:t1:staff").length;
    // Each its own window, so none is merged with another.
    for (const change of [{ composing: "note" }, { composing: null }, { idle: true }, { idle: false }] as const) {
      hub.update("s-agent", { ticketId: "t1", ...change });
      await settled();
    }
    assert.equal(toRequester(), before, "the same view again would tell the requester a note was being written");
    assert.equal(sent.filter((s) => s.room === "ticket:t1:staff").length, staffBefore + 4, "staff hear each change");
    // The requester's own typing does not echo to the requester room either (it shows staff only).
    hub.update("s-alice", { ticketId: "t1", composing: "reply" });
    await settled();
    assert.equal(toRequester(), before);
    hub.update("s-agent", { ticketId: "t1", composing: "reply" });
    await settled();
    assert.equal(toRequester(), before + 1);
    assert.deepEqual(last(sent, "ticket:t1:requester"), [{ userId: "agent", name: "Agent", composing: "reply" }]);
    hub.update("s-agent", { ticketId: "t1", composing: null });
    await settled();
    assert.deepEqual(last(sent, "ticket:t1:requester"), [{ userId: "agent", name: "Agent" }]);
  });

  test("a repeated typing beat announces nothing; intent lapses after the last beat and the tick says so", async () => {
    const { hub, sent } = hubOn(store, clock);
    hub.enter({ id: "s-agent", user: agent }, "t1");
    hub.update("s-agent", { ticketId: "t1", composing: "reply" });
    await settled();
    const before = sent.length;
    clock.now += 3_000;
    hub.update("s-agent", { ticketId: "t1", composing: "reply" });
    await settled();
    assert.equal(sent.length, before, "a beat that changes nothing is not announced");
    clock.now += 11_000; // 14 s after the first beat, 11 s after the last: still writing
    await hub.tick();
    assert.equal(sent.length, before);
    clock.now += 2_000;
    await hub.tick();
    const lapsed = sent.slice(before);
    assert.ok(lapsed.length > 0 && lapsed.every((s) => s.scope === "local"));
    assert.equal(last(sent, "ticket:t1:staff")?.[0]?.composing, undefined);
  });

  test("a tick over many tickets gives other work turns in between, and still tells every ticket's lapse", async () => {
    const { hub, sent } = hubOn(store, clock);
    const tickets = Array.from({ length: 100 }, (_, i) => `t${i}`);
    for (const t of tickets) {
      hub.enter({ id: `s-${t}`, user: agent }, t);
      hub.update(`s-${t}`, { ticketId: t, composing: "reply" });
    }
    await settled();
    await hub.tick(); // what each socket was last told, as the tick sees it
    const before = sent.length;
    clock.now += 20_000; // every typing intent has lapsed
    let turns = 0;
    let ticking = true;
    const other = () => {
      if (!ticking) return;
      turns++;
      setImmediate(other);
    };
    setImmediate(other);
    await hub.tick();
    ticking = false;
    assert.ok(turns >= 3, `other work ran in ${turns} turns during the tick`);
    const lapsed = sent.slice(before).filter((s) => s.room.endsWith(":staff") && s.event === "presence:ticket");
    assert.deepEqual(new Set(lapsed.map((s) => s.payload.ticketId)), new Set(tickets));
    assert.ok(lapsed.every((s) => s.scope === "local" && s.payload.viewers[0]?.composing === undefined));
  });

  test("a refresh writes every owned entry's new deadline, a slice at a time", async () => {
    const puts: number[] = [];
    const recording: PresenceStore = { ...store, put: (items) => (puts.push(items.length), store.put(items)) };
    const { hub } = hubOn(recording, clock);
    for (let i = 0; i < 2_500; i++) hub.enter({ id: `s${i}`, user: agent }, `t${i % 50}`);
    await settled();
    puts.length = 0;
    clock.now += 20_000;
    hub.refresh();
    await settled();
    assert.deepEqual(puts, [1_000, 1_000, 500]);
    // Read 20 s after the old deadline: every entry is live, so every one was pushed out.
    const read = await store.read(Array.from({ length: 50 }, (_, i) => `t${i}`), clock.now + TTL - 20_000 + 1);
    assert.equal([...read.values()].reduce((n, entries) => n + entries.length, 0), 2_500);
  });

  test("after the store lost every entry (Redis restarted empty), restore puts this process's viewers back and tells every process", async () => {
    let wiped = createMemoryPresenceStore();
    // Delegates to whichever store is current, so the test can swap in an empty one.
    const swappable: PresenceStore = {
      put: (items) => wiped.put(items),
      remove: (items) => wiped.remove(items),
      read: (ids, at) => wiped.read(ids, at),
    };
    const a = hubOn(swappable, clock);
    const b = hubOn(swappable, clock);
    a.hub.enter({ id: "s-agent", user: agent }, "t1");
    b.hub.enter({ id: "s-alice", user: alice }, "t1");
    await settled();
    wiped = createMemoryPresenceStore();
    await a.hub.tick();
    assert.deepEqual(last(a.sent, "ticket:t1:staff"), [], "the tick saw the empty store");
    a.sent.length = 0;
    a.hub.restore();
    b.hub.restore();
    await settled();
    assert.ok(a.sent.some((s) => s.scope === "all" && s.room === "ticket:t1:staff"), "announced to every process, not only to this one");
    assert.deepEqual(
      (await a.hub.read(["t1"])).get("t1")?.map((e) => e.userId).sort(),
      ["agent", "alice"],
    );
    assert.deepEqual(last(a.sent, "ticket:t1:staff")?.map((v) => v.userId).sort(), ["agent", "alice"]);
  });

  test("a disconnect removes the socket's viewers at once; two tabs of one user are one viewer", async () => {
    const { hub, sent } = hubOn(store, clock);
    hub.enter({ id: "tab1", user: agent }, "t1");
    hub.enter({ id: "tab2", user: agent }, "t1");
    hub.update("tab1", { ticketId: "t1", idle: true });
    await settled();
    assert.deepEqual(last(sent, "ticket:t1:staff"), [{ userId: "agent", name: "Agent", role: "AGENT", idle: false }]);
    hub.drop("tab2");
    await settled();
    assert.deepEqual(last(sent, "ticket:t1:staff"), [{ userId: "agent", name: "Agent", role: "AGENT", idle: true }]);
    hub.drop("tab1");
    await settled();
    assert.deepEqual(last(sent, "ticket:t1:staff"), []);
    assert.deepEqual(last(sent, "lists:staff", "presence:summary"), []);
  });

  test("a crowd joining at once is one announcement per audience, capped, with the total", async () => {
    const { hub, sent } = hubOn(store, clock);
    for (let i = 0; i < 150; i++) hub.enter({ id: `s${i}`, user: { id: `u${String(i).padStart(3, "0")}`, name: `User ${String(i).padStart(3, "0")}`, role: "AGENT" } }, "t1");
    hub.enter({ id: "s-alice", user: alice }, "t1");
    await settled();
    const rooms = sent.map((s) => `${s.event} ${s.room}`).sort();
    assert.deepEqual(rooms, ["presence:summary lists:staff", "presence:ticket ticket:t1:requester", "presence:ticket ticket:t1:staff"]);
    const staff = sent.find((s) => s.room === "ticket:t1:staff")!.payload;
    assert.equal(staff.total, 151);
    assert.equal(staff.viewers.length, PRESENCE_VIEWERS_SHOWN);
    assert.ok(!staff.viewers.some((v) => v.userId === "alice"), "staff come before requesters in a capped list");
    const requester = sent.find((s) => s.room === "ticket:t1:requester")!.payload;
    assert.equal(requester.total, 150, "the requester's view counts staff only");
    assert.equal(sent.find((s) => s.event === "presence:summary")!.payload.total, 151);
  });

  test("a steady stream of changes is announced at most once per window, and the last one is current", async () => {
    const { hub, sent } = hubOn(store, clock);
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < 5 * ANNOUNCE_EVERY_MS) {
      hub.enter({ id: `s${n}`, user: { id: `u${n}`, name: `User ${n}`, role: "AGENT" } }, "t1");
      hub.update(`s${n}`, { ticketId: "t1", composing: "reply" });
      n++;
      await sleep(5);
    }
    const took = performance.now() - started;
    await settled();
    const staff = sent.filter((s) => s.room === "ticket:t1:staff");
    // One per window (plus the first after the settle, and one after the stream ends).
    assert.ok(staff.length <= Math.ceil(took / ANNOUNCE_EVERY_MS) + 2, `${staff.length} announcements for ${n} joins in ${Math.round(took)} ms`);
    assert.ok(n > 2 * staff.length, `coalesced: ${n} joins, ${staff.length} announcements`);
    assert.equal(staff.at(-1)!.payload.total, n);
    assert.equal(sent.filter((s) => s.event === "presence:summary").length, staff.length, "the summary is coalesced the same way");
    // A new change after the stream is announced within a window, not lost.
    hub.drop("s0");
    await settled();
    assert.equal(sent.filter((s) => s.room === "ticket:t1:staff").at(-1)!.payload.total, n - 1);
  });

  test("updates for a ticket the socket did not join are refused", () => {
    const { hub } = hubOn(store, clock);
    assert.equal(hub.update("nobody", { ticketId: "t1", idle: true }), false);
  });

  test("a process that dies without cleaning up: its viewers lapse for the others' sockets after the TTL", async () => {
    const a = hubOn(store, clock);
    const b = hubOn(store, clock);
    a.hub.enter({ id: "on-a", user: agent }, "t1");
    b.hub.enter({ id: "on-b", user: alice }, "t1");
    await settled();
    await b.hub.tick();
    assert.equal(last(b.sent, "ticket:t1:staff")?.length, 2);
    // Process a is gone (no refresh, no close); b keeps refreshing its own entry.
    for (let t = 0; t < TTL + 3_000; t += 10_000) {
      clock.now += 10_000;
      b.hub.refresh();
      await b.hub.tick();
    }
    assert.deepEqual(last(b.sent, "ticket:t1:staff"), [{ userId: "alice", name: "Alice", role: "REQUESTER", idle: false }]);
    assert.equal(b.sent.at(-1)?.scope, "local");
  });

  test("a graceful close takes this process's viewers out of the store", async () => {
    const a = hubOn(store, clock);
    a.hub.enter({ id: "on-a", user: agent }, "t1");
    await settled();
    await a.hub.close();
    assert.deepEqual((await store.read(["t1"], clock.now)).get("t1"), []);
  });
});

describe("presence:update payloads", () => {
  test("a requester's note intent is ignored; a reply or a stop is kept", () => {
    assert.deepEqual(presenceChangeOf(alice, { ticketId: "t1", composing: "note", idle: false }), { ticketId: "t1", idle: false });
    assert.deepEqual(presenceChangeOf(alice, { ticketId: "t1", composing: "reply" }), { ticketId: "t1", composing: "reply" });
    assert.deepEqual(presenceChangeOf(alice, { ticketId: "t1", composing: null }), { ticketId: "t1", composing: null });
    assert.deepEqual(presenceChangeOf(agent, { ticketId: "t1", composing: "note" }), { ticketId: "t1", composing: "note" });
  });

  test("malformed payloads are dropped", () => {
    for (const bad of [null, "t1", {}, { ticketId: "t1", composing: "poem" }, { ticketId: "t1", idle: "yes" }, { ticketId: "x".repeat(100) }]) {
      assert.equal(presenceChangeOf(agent, bad), null);
    }
  });
});
