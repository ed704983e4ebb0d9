import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { DraftSaver } from "./draft-sync";
import { type DraftBackup, type LocalDraft, localDraftBackup, removeAllLocalDrafts, restorableDraft } from "./local-draft";

// The reply box's draft: saved to the server as the user types, and kept in
// this browser's storage until the server has it (here a memory backup and
// a fetch that fails or succeeds on demand).
type Put = { body: string; internal: boolean };
let puts: Put[];
let serverUp: boolean;
let release: (() => void) | null;
let hold: boolean;
const realFetch = globalThis.fetch;

beforeEach(() => {
  puts = [];
  serverUp = true;
  hold = false;
  release = null;
  globalThis.fetch = (async (_url: string, init?: RequestInit) => {
    if (!serverUp) throw new TypeError("Failed to fetch");
    if (hold) await new Promise<void>((r) => (release = r));
    const { body, internal } = JSON.parse(String(init?.body)) as Put;
    puts.push({ body, internal });
    return new Response(JSON.stringify({ ok: true }), { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
});
afterEach(() => {
  globalThis.fetch = realFetch;
});

function memoryBackup(): DraftBackup & { record: LocalDraft | null } {
  const b = {
    record: null as LocalDraft | null,
    write: (r: LocalDraft) => void (b.record = structuredClone(r)),
    read: () => b.record,
    remove: () => void (b.record = null),
  };
  return b;
}

const none = () => false;

test("typed while the server is unreachable: kept locally, put back after a reload, saved once the server answers, then dropped", async () => {
  const backup = memoryBackup();
  const states: string[] = [];
  const saver = new DraftSaver("t1", { body: "", internal: false }, (s) => states.push(s), backup);
  serverUp = false;
  saver.change("The rear tray", false);
  assert.deepEqual(backup.record?.pending, { body: "The rear tray", internal: false }, "kept before any save");
  await saver.flush();
  assert.deepEqual(states, ["failed"]);
  assert.deepEqual(backup.record?.pending, { body: "The rear tray", internal: false }, "still kept after the failed save");
  saver.dispose();

  // The page reloads (the server still has no draft): the text comes back.
  const kept = restorableDraft(backup, null, none);
  assert.deepEqual(kept, { body: "The rear tray", internal: false });
  serverUp = true;
  const again = new DraftSaver("t1", { body: "", internal: false }, () => {}, backup);
  again.change(kept!.body, kept!.internal);
  await again.flush();
  assert.deepEqual(puts, [{ body: "The rear tray", internal: false }]);
  assert.equal(backup.record, null, "the server has it: nothing kept locally");
});

test("a failed save is tried again by flush() alone (the form calls it when the connection is back)", async () => {
  const backup = memoryBackup();
  const saver = new DraftSaver("t1", { body: "", internal: false }, () => {}, backup);
  serverUp = false;
  saver.change("Offline words", true);
  await saver.flush();
  serverUp = true;
  await saver.flush();
  assert.deepEqual(puts, [{ body: "Offline words", internal: true }]);
  assert.equal(backup.record, null);
});

test("what is typed during a save stays kept locally after that save", async () => {
  const backup = memoryBackup();
  const saver = new DraftSaver("t1", { body: "", internal: false }, () => {}, backup);
  saver.change("First", false);
  hold = true;
  const saving = saver.flush();
  await new Promise((r) => setImmediate(r));
  saver.change("First and more", false);
  release!();
  await saving;
  assert.deepEqual(backup.record, { pending: { body: "First and more", internal: false }, saved: JSON.stringify({ body: "First", internal: false }) });
  hold = false;
  await saver.flush();
  assert.equal(backup.record, null);
});

test("a local copy is not put back over a draft saved since from another tab or device, nor over one sent from there", () => {
  const backup = memoryBackup();
  backup.write({ pending: { body: "Old words", internal: false }, saved: JSON.stringify({ body: "", internal: false }) });
  assert.equal(restorableDraft(backup, { body: "Newer words", internal: false }, none), null);
  assert.equal(backup.record, null, "the stale copy goes");

  backup.write({ pending: { body: "Sent elsewhere", internal: false }, saved: JSON.stringify({ body: "Sent elsewhere", internal: false }) });
  assert.equal(restorableDraft(backup, null, none), null, "the server's draft was cleared by a send");
});

test("a text being sent when the tab closed comes back only if it did not arrive", async () => {
  const backup = memoryBackup();
  const saver = new DraftSaver("t1", { body: "", internal: false }, () => {}, backup);
  saver.change("Sending this", false);
  await saver.settle({ body: "Sending this", internal: false });
  assert.equal(backup.record?.sending, true);
  const record = structuredClone(backup.record);
  assert.equal(restorableDraft(backup, null, (body) => body === "Sending this"), null, "it arrived: not a draft again");
  backup.write(record!);
  assert.deepEqual(restorableDraft(backup, null, none), { body: "Sending this", internal: false }, "it did not: the words are kept");
  // Answered: adopt("") (sent) drops it.
  saver.adopt("", false);
  assert.equal(backup.record, null);
});

test("this browser's copies: per user and ticket, unreadable ones ignored, all of them removed at sign-out", () => {
  const items = new Map<string, string>();
  const storage = {
    get length() {
      return items.size;
    },
    key: (i: number) => [...items.keys()][i] ?? null,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
  const g = globalThis as { window?: unknown };
  g.window = { localStorage: storage };
  try {
    const sam = localDraftBackup("sam", "t1");
    const ada = localDraftBackup("ada", "t1");
    sam.write({ pending: { body: "Sam's words", internal: true }, saved: "{}" });
    assert.equal(ada.read(), null, "another user's copy is not this one");
    assert.deepEqual(sam.read()?.pending, { body: "Sam's words", internal: true });
    items.set("tandem:draft:ada:t1", "not json");
    assert.equal(ada.read(), null);
    items.set("other-app", "kept");
    removeAllLocalDrafts();
    assert.deepEqual([...items.keys()], ["other-app"]);
  } finally {
    delete g.window;
  }
});
