import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { openMemoryDb } from "../../../tests/helpers/memory-db";
import { sweepUnsentAttachments, UNSENT_AFTER_MS } from "./sweep-unsent-attachments";

let db: Awaited<ReturnType<typeof openMemoryDb>>;
let uploads: string;
let ticketId: string;
let userId: string;

before(async () => {
  db = await openMemoryDb();
  uploads = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-unsent-"));
  ({ id: userId } = await db.prisma.user.create({ data: { name: "Ada", email: "ada@example.com", passwordHash: "x", role: "AGENT" } }));
  ({ id: ticketId } = await db.prisma.ticket.create({ data: { title: "T", description: "d", requesterId: userId } }));
});

after(async () => {
  await db?.close();
  fs.rmSync(uploads, { recursive: true, force: true });
});

async function file(key: string, staged: boolean, ageMs: number) {
  fs.writeFileSync(path.join(uploads, key), key);
  return db.prisma.attachment.create({
    data: { ticketId, uploaderId: userId, originalName: `${key}.txt`, size: key.length, contentType: "text/plain", storageKey: key, staged, createdAt: new Date(Date.now() - ageMs) },
  });
}

test("staged files older than a day go, rows and bytes; fresh staged and sent files stay", async () => {
  const old = await file("old-staged", true, UNSENT_AFTER_MS + 60_000);
  const fresh = await file("fresh-staged", true, 60_000);
  const sent = await file("old-sent", false, UNSENT_AFTER_MS * 3);
  assert.equal(await sweepUnsentAttachments(db.prisma, uploads), 1);
  assert.equal(await db.prisma.attachment.count({ where: { id: old.id } }), 0);
  assert.equal(fs.existsSync(path.join(uploads, "old-staged")), false);
  for (const kept of [fresh, sent]) {
    assert.equal(await db.prisma.attachment.count({ where: { id: kept.id } }), 1);
    assert.equal(fs.existsSync(path.join(uploads, kept.storageKey)), true);
  }
  assert.equal(await sweepUnsentAttachments(db.prisma, uploads), 0, "nothing left to sweep");
});
