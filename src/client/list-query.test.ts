import assert from "node:assert/strict";
import { test } from "node:test";
import type { TicketDTO } from "../shared/dto";
import { appendPage, applyComment, applyRead, type ListQuery, type ListState, matchesQuery, mergeFirstPage, replayLive, toSearchParams, upsertTicket, withSearch } from "./list-query";

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
  // The search text is the server's to match (full-text search): rows of a search are never dropped for it.
  assert.ok(matchesQuery(t, q({ q: "vpn" }), "me1"));
  assert.ok(matchesQuery(t, q({ q: "something else" }), "me1"));
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

test("live changes that arrive while a re-read page is in flight survive its merge (a filtered list gains and loses rows)", () => {
  const filter = q({ tag: "vip" });
  const [a, b, c] = [ticket({ tags: ["vip"] }), ticket({ tags: ["vip"] }), ticket({ tags: [] })];
  // The page is read with a and b tagged; then c is tagged and a untagged, and both events arrive before the page.
  const page = { items: [b, a], nextCursor: null };
  const tagged = { ...c, tags: ["vip"], lastSeq: 2 };
  const untagged = { ...a, tags: [], lastSeq: 2 };
  let shown: ListState = { items: [b, a], nextCursor: null };
  for (const t of [tagged, untagged]) shown = upsertTicket(shown, t, filter, "me1");
  assert.deepEqual(shown.items.map((t) => t.id).sort(), [b.id, c.id].sort());
  // The page alone would undo both changes:
  assert.deepEqual(mergeFirstPage(shown, page, filter.sort).items.map((t) => t.id).sort(), [a.id, b.id].sort());
  const merged = replayLive(mergeFirstPage(shown, page, filter.sort), [tagged, untagged], filter, "me1");
  assert.deepEqual(merged.items.map((t) => t.id).sort(), [b.id, c.id].sort());
  // A snapshot older than the page's copy changes nothing.
  const newer = { ...b, title: "renamed", lastSeq: 5 };
  assert.equal(replayLive({ items: [newer], nextCursor: null }, [b], filter, "me1").items[0]!.title, "renamed");
});

test("a row a live change took out of the list does not come back with a next page read before the change", () => {
  const open = q({ status: "OPEN" });
  const [a, b, c] = [ticket(), ticket(), ticket()];
  let shown: ListState = { items: [c, b], nextCursor: "after-b" };
  // "Load more" is in flight (it will return a, still open when read); meanwhile a is resolved.
  const resolved = { ...a, status: "RESOLVED" as const, lastSeq: 2 };
  shown = upsertTicket(shown, resolved, open, "me1");
  const page = { items: [a], nextCursor: null };
  assert.deepEqual(appendPage(shown, page).items.map((t) => t.id), [c.id, b.id, a.id], "the page alone brings it back");
  assert.deepEqual(replayLive(appendPage(shown, page), [resolved], open, "me1").items.map((t) => t.id), [c.id, b.id]);
});

test("a public comment by someone else moves its row to the top, shows the replier and marks it unread", () => {
  const old = ticket({ lastSeq: 3 });
  const recent = ticket({ lastSeq: 2 });
  const state: ListState = { items: [recent, old], nextCursor: null };
  const at = new Date(Date.UTC(2026, 0, 2)).toISOString();
  const next = applyComment(state, { ticketId: old.id, seq: 4, comment: { internal: false, createdAt: at, author: { id: "bob", name: "Bob" } } }, q(), "me1")!;
  assert.deepEqual(next.items.map((t) => t.id), [old.id, recent.id]);
  assert.deepEqual(next.items[0]!.lastReplier, { id: "bob", name: "Bob" });
  assert.equal(next.items[0]!.unread, true);
  assert.equal(next.items[0]!.updatedAt, at);
  // The same event again changes nothing; a later read clears the mark.
  assert.equal(applyComment(next, { ticketId: old.id, seq: 4, comment: { internal: false, createdAt: at, author: { id: "bob", name: "Bob" } } }, q(), "me1"), next);
  assert.equal(applyRead(next, { ticketId: old.id, seq: 3 }).items[0]!.unread, true);
  assert.equal(applyRead(next, { ticketId: old.id, seq: 4 }).items[0]!.unread, false);
});

test("an internal note marks the row unread without moving it; one's own comment is not unread; unknown rows ask for a fetch", () => {
  const a = ticket({ lastSeq: 1 });
  const b = ticket({ lastSeq: 1 });
  const state: ListState = { items: [b, a], nextCursor: null };
  const note = applyComment(state, { ticketId: a.id, seq: 2, comment: { internal: true, createdAt: new Date().toISOString(), author: { id: "bob", name: "Bob" } } }, q(), "me1")!;
  assert.deepEqual(note.items.map((t) => t.id), [b.id, a.id]);
  assert.equal(note.items[1]!.unread, true);
  const own = applyComment(state, { ticketId: a.id, seq: 2, comment: { internal: false, createdAt: new Date().toISOString(), author: { id: "me1", name: "Me" } } }, q(), "me1")!;
  assert.equal(own.items[0]!.id, a.id);
  assert.equal(own.items[0]!.unread, false);
  // One's own reply after someone else's unread one leaves the row unread.
  const ownAfter = applyComment(note, { ticketId: a.id, seq: 3, comment: { internal: false, createdAt: new Date().toISOString(), author: { id: "me1", name: "Me" } } }, q(), "me1")!;
  assert.equal(ownAfter.items.find((t) => t.id === a.id)!.unread, true);
  assert.equal(applyComment(state, { ticketId: "elsewhere", seq: 9, comment: { internal: false, createdAt: new Date().toISOString(), author: { id: "bob", name: "Bob" } } }, q(), "me1"), null);
});

test("a snapshot from an event keeps the row's last replier and unread mark", () => {
  const a = ticket({ lastSeq: 1, lastReplier: { id: "bob", name: "Bob" }, unread: true });
  const next = upsertTicket({ items: [a], nextCursor: null }, { ...a, lastSeq: 2, lastReplier: undefined, unread: undefined, title: "New" }, q(), "me1");
  assert.deepEqual(next.items[0]!.lastReplier, { id: "bob", name: "Bob" });
  assert.equal(next.items[0]!.unread, true);
  assert.equal(next.items[0]!.title, "New");
});

test("a search sorts by relevance unless another order was chosen; clearing it restores the default", async () => {
  assert.deepEqual(withSearch(q(), "vpn"), { sort: "relevance", q: "vpn" });
  assert.deepEqual(withSearch(q({ sort: "created_asc" }), "vpn"), { sort: "created_asc", q: "vpn" });
  assert.deepEqual(withSearch(q({ q: "vpn", sort: "relevance" }), " "), { sort: "updated_desc", q: undefined });
  assert.equal(toSearchParams(withSearch(q(), "vpn")).toString(), "q=vpn", "the default sort stays out of the URL");
});

test("search results: rows shown update in place by rank; a ticket not shown waits for the server", () => {
  const a = ticket({ search: { rank: 2, field: "title", snippet: [] } });
  const b = ticket({ search: { rank: 1, field: "comment", snippet: [{ text: "x", hit: true }] } });
  const query = q({ q: "x", sort: "relevance" });
  const state: ListState = { items: [a, b], nextCursor: null };
  const updated = upsertTicket(state, { ...b, search: undefined, status: "CLOSED", lastSeq: 5 }, query, "me1");
  assert.deepEqual(updated.items.map((t) => t.id), [a.id, b.id], "rank order kept");
  assert.equal(updated.items[1]!.status, "CLOSED");
  assert.deepEqual(updated.items[1]!.search, b.search, "the snapshot keeps the row's hit");
  assert.equal(upsertTicket(state, ticket(), query, "me1"), state, "a new ticket is not guessed into a search");
});

test("a tag filter keeps rows carrying the tag; a tags change moves a row in or out; a snapshot without tags keeps the row's", () => {
  const a = ticket({ tags: ["vip"] });
  const b = ticket({ tags: [] });
  assert.ok(matchesQuery(a, q({ tag: "vip" }), "u"));
  assert.ok(!matchesQuery(b, q({ tag: "vip" }), "u"));
  let s: ListState = { items: [a], nextCursor: null };
  s = upsertTicket(s, { ...b, tags: ["vip"], lastSeq: 2 }, q({ tag: "vip" }), "u");
  assert.deepEqual(s.items.map((t) => t.id).sort(), [a.id, b.id].sort(), "tagged elsewhere: it joins");
  s = upsertTicket(s, { ...a, tags: [], lastSeq: 3 }, q({ tag: "vip" }), "u");
  assert.deepEqual(s.items.map((t) => t.id), [b.id], "untagged: it leaves");
  // An old event's snapshot (recorded before tags) says nothing about them.
  const { tags: _dropped, ...old } = { ...b, title: "renamed", lastSeq: 4 };
  s = upsertTicket(s, old, q({ tag: "vip" }), "u");
  assert.deepEqual(s.items.map((t) => [t.title, t.tags]), [["renamed", ["vip"]]]);
});
