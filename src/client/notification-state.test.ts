import assert from "node:assert/strict";
import { test } from "node:test";
import type { NotificationDTO } from "../shared/dto";
import { INITIAL_NOTIFICATIONS, notificationReducer, titleWithCount } from "./notification-state";

const n = (id: string, minute: number, readAt: string | null = null): NotificationDTO => ({
  id,
  kind: "reply",
  ticket: { id: "t1", number: 1, title: "Printer" },
  actor: { id: "u", name: "Sam" },
  createdAt: new Date(Date.UTC(2026, 11, 5, 10, minute)).toISOString(),
  readAt,
});
const at = "2026-12-05T11:00:00.000Z";

test("a received notification is added once, newest first, and counts as unread", () => {
  let s = notificationReducer(INITIAL_NOTIFICATIONS, { type: "loaded", items: [n("a", 1), n("b", 2)], unread: 2 });
  assert.deepEqual(s.items.map((x) => x.id), ["b", "a"]);
  s = notificationReducer(s, { type: "received", notification: n("c", 3) });
  s = notificationReducer(s, { type: "received", notification: n("c", 3) });
  assert.deepEqual(s.items.map((x) => x.id), ["c", "b", "a"]);
  assert.equal(s.unread, 3);
});

test("read messages mark items and take the server's count", () => {
  let s = notificationReducer(INITIAL_NOTIFICATIONS, { type: "loaded", items: [n("a", 1), n("b", 2)], unread: 2 });
  s = notificationReducer(s, { type: "read", read: { ids: ["a"], unread: 1 }, at });
  assert.deepEqual(s.items.map((x) => x.readAt), [null, at]);
  assert.equal(s.unread, 1);
  s = notificationReducer(s, { type: "read", read: { ids: "all", unread: 0 }, at });
  assert.ok(s.items.every((x) => x.readAt !== null));
  assert.equal(s.unread, 0);
});

test("\"all\" up to a time leaves what is newer unread (it arrived after the press)", () => {
  let s = notificationReducer(INITIAL_NOTIFICATIONS, { type: "loaded", items: [n("a", 1), n("b", 2)], unread: 2 });
  s = notificationReducer(s, { type: "received", notification: n("c", 3) });
  s = notificationReducer(s, { type: "read", read: { ids: "all", unread: 1, upTo: n("b", 2).createdAt }, at });
  assert.deepEqual(s.items.map((x) => [x.id, x.readAt]), [["c", null], ["b", at], ["a", at]]);
  assert.equal(s.unread, 1);
});

test("notifications received while a page was in flight are kept when it arrives, once, and counted", () => {
  let s = notificationReducer(INITIAL_NOTIFICATIONS, { type: "loaded", items: [n("a", 1)], unread: 1 });
  // A re-read starts; "c" arrives live, then the page, read before "c" existed (but after "b").
  s = notificationReducer(s, { type: "received", notification: n("c", 3) });
  const page = { items: [n("a", 1), n("b", 2)], unread: 2 };
  assert.equal(notificationReducer(s, { type: "loaded", ...page }).unread, 2, "the page alone loses c");
  s = notificationReducer(s, { type: "loaded", ...page, receivedSince: [n("c", 3)] });
  assert.deepEqual(s.items.map((x) => x.id), ["c", "b", "a"]);
  assert.equal(s.unread, 3);
  // One the page already has is not counted twice.
  s = notificationReducer(s, { type: "loaded", items: [n("a", 1), n("b", 2), n("c", 3)], unread: 3, receivedSince: [n("c", 3)] });
  assert.equal(s.unread, 3);
  assert.equal(s.items.length, 3);
});

test("the tab title carries the count in front, replacing an old one", () => {
  assert.equal(titleWithCount("Tickets · Tandem", 3), "(3) Tickets · Tandem");
  assert.equal(titleWithCount("(3) Tickets · Tandem", 4), "(4) Tickets · Tandem");
  assert.equal(titleWithCount("(3) Tickets · Tandem", 0), "Tickets · Tandem");
});
