import assert from "node:assert/strict";
import { test } from "node:test";
import type { TicketDTO } from "../shared/dto";
import { type ListQuery, type ListState, matchesQuery, mergeFirstPage, upsertTicket } from "./list-query";

let n = 0;
function ticket(over: Partial<TicketDTO> = {}): TicketDTO {
  n++;
  return {
    id: `t${String(n).padStart(3, "0")}`,
    number: n,
    title: `Ticket ${n}`,
    description: "",
    status: "OPEN",
    priority: "MEDIUM",
    requester: { id: "alice", name: "Alice" },
    assignee: null,
    version: 1,
    lastSeq: 1,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    ...over,
  };
}

const q = (over: Partial<ListQuery> = {}): ListQuery => ({ sort: "updated_desc", ...over });

test("matchesQuery mirrors the server filters", () => {
  const t = ticket({ title: "VPN broken", status: "WAITING", assignee: { id: "me1", name: "Me" } });
  assert.ok(matchesQuery(t, q({ q: "vpn" }), "me1"));
  assert.ok(matchesQuery(t, q({ q: `#${t.number}` }), "me1"));
  assert.ok(!matchesQuery(t, q({ status: "OPEN" }), "me1"));
  assert.ok(matchesQuery(t, q({ assignee: "me" }), "me1"));
  assert.ok(!matchesQuery(t, q({ assignee: "none" }), "me1"));
  assert.ok(!matchesQuery(t, q({ assignee: "someone" }), "me1"));
});

test("a new ticket goes on top; a changed one updates, moves or leaves", () => {
  const a = ticket();
  const b = ticket();
  let s: ListState = { items: [b, a], nextCursor: null };
  const c = ticket();
  s = upsertTicket(s, c, q(), "u");
  assert.deepEqual(s.items.map((t) => t.id), [c.id, b.id, a.id]);

  const a2 = { ...a, title: "renamed", lastSeq: 2, updatedAt: new Date(Date.UTC(2026, 0, 2)).toISOString() };
  s = upsertTicket(s, a2, q(), "u");
  assert.deepEqual(s.items.map((t) => t.id), [a.id, c.id, b.id]);
  assert.equal(s.items[0]?.title, "renamed");

  // A stale snapshot does not undo a newer one.
  assert.equal(upsertTicket(s, a, q(), "u"), s);

  // Leaves a list filtered on OPEN once resolved.
  const filtered = upsertTicket(s, { ...b, status: "RESOLVED", lastSeq: 5 }, q({ status: "OPEN" }), "u");
  assert.ok(!filtered.items.some((t) => t.id === b.id));
});

test("rows past the loaded window are left for Load more", () => {
  const newest = ticket();
  const old = ticket({ updatedAt: "2020-01-01T00:00:00.000Z" });
  const s = upsertTicket({ items: [newest], nextCursor: "cursor" }, old, q(), "u");
  assert.deepEqual(s.items.map((t) => t.id), [newest.id]);
});

test("mergeFirstPage keeps rows loaded beyond the fresh first page", () => {
  const [t1, t2, t3] = [ticket(), ticket(), ticket()];
  const shown = { items: [t3, t2, t1], nextCursor: "c-after-t1" };
  const fresh = { items: [t3, t2], nextCursor: "c-after-t2" };
  assert.deepEqual(mergeFirstPage(shown, fresh, "updated_desc"), { items: [t3, t2, t1], nextCursor: "c-after-t1" });
  assert.deepEqual(mergeFirstPage(shown, { items: [t3], nextCursor: null }, "updated_desc").items, [t3]);
});

test("mergeFirstPage keeps a live update that is newer than the fetched page's copy", () => {
  const [t1, t2] = [ticket(), ticket()];
  const live = { ...t1, status: "RESOLVED" as const, lastSeq: 3, updatedAt: new Date(Date.UTC(2026, 0, 2)).toISOString() };
  const shown = { items: [live, t2], nextCursor: null };
  // The page was read before the change reached the database.
  const merged = mergeFirstPage(shown, { items: [t2, t1], nextCursor: null }, "updated_desc");
  assert.deepEqual(merged.items, [live, t2], "newer row kept, and in sort order");
});
