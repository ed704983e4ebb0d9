import assert from "node:assert/strict";
import { test } from "node:test";
import { CURRENT_PAYLOAD_VERSION, readStoredPayload, StoredPayloadError, toStoredPayload } from "./payloads";

const author = { id: "u1", name: "Ada", role: "AGENT" as const };
const comment = { id: "c1", ticketId: "t1", body: "hi", internal: false, author, createdAt: "2026-11-24T00:00:00.000Z" };

test("a payload is stored with the current version and reads back as it was written", () => {
  const stored = toStoredPayload("comment:added", { comment });
  assert.equal(stored.payloadVersion, CURRENT_PAYLOAD_VERSION);
  assert.deepEqual(readStoredPayload("comment:added", stored.payloadVersion, JSON.parse(JSON.stringify(stored.payload))), {
    type: "comment:added",
    data: { comment },
  });
});

test("a payload that would not read back is refused when written", () => {
  assert.throws(() => toStoredPayload("comment:added", { comment: { ...comment, internal: "no" } } as never), StoredPayloadError);
  assert.throws(() => toStoredPayload("ticket:updated", { changes: {} } as never), StoredPayloadError);
});

test("reading back parses with the stored version's schema: unknown versions, types and shapes are errors, not guesses", () => {
  assert.throws(() => readStoredPayload("comment:added", 99, { comment }), /unknown payload version/);
  assert.throws(() => readStoredPayload("ticket:deleted", 1, {}), /unknown event type/);
  assert.throws(() => readStoredPayload("comment:added", 1, { comment: { ...comment, author: undefined } }), StoredPayloadError);
});

test("history keeps its shape: fields a payload did not have in its version are neither required nor invented", () => {
  // Attachments recorded before hashes were kept have no sha256; they still replay, without one.
  const attachment = { id: "a1", ticketId: "t1", originalName: "x.txt", size: 3, contentType: "text/plain", uploader: { id: "u1", name: "Ada" }, createdAt: comment.createdAt, url: "/api/attachments/a1" };
  const read = readStoredPayload("attachment:added", 1, { attachment });
  assert.deepEqual(read.data, { attachment });
  // Keys outside the version's schema (a later writer's, or a corrupted row's) are not sent to clients.
  const extra = readStoredPayload("comment:added", 1, { comment: { ...comment, secret: "x" }, other: 1 });
  assert.deepEqual(extra.data, { comment });
});

test("version 3 (tags): a snapshot's tags and a tags change are stored and read back; version 2 replays without them", () => {
  const ticket = {
    id: "t1", number: 7, title: "Printer", description: "jams", status: "OPEN" as const, priority: "LOW" as const,
    requester: { id: "u2", name: "Bo" }, assignee: null, version: 1, lastSeq: 3, createdAt: comment.createdAt, updatedAt: comment.createdAt,
  };
  const data = { ticket: { ...ticket, tags: ["billing", "vip"] }, changes: { tags: { added: ["vip"], removed: [] } } };
  const stored = toStoredPayload("ticket:updated", data);
  assert.equal(stored.payloadVersion, 3);
  assert.deepEqual(readStoredPayload("ticket:updated", 3, JSON.parse(JSON.stringify(stored.payload))).data, data);
  // Written as version 2 (before tags): the same keys are not part of that shape and are not sent.
  const v2 = readStoredPayload("ticket:updated", 2, JSON.parse(JSON.stringify(stored.payload)));
  assert.deepEqual(v2.data, { ticket, changes: {} });
});
