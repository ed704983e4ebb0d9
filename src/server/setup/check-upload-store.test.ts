import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { checkUploadStore } from "./check-upload-store";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-upload-store-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const counted = (n: number) => {
  const calls = { n: 0 };
  return { calls, count: async () => (calls.n++, n) };
};

test("a DATA_DIR with its uploads folder passes without asking the database", async () => {
  const dataDir = path.join(root, "mounted");
  fs.mkdirSync(path.join(dataDir, "uploads"), { recursive: true });
  const db = counted(5);
  await checkUploadStore(dataDir, path.join(dataDir, "uploads"), db.count);
  assert.equal(db.calls.n, 0);
});

test("a new installation (no uploads listed) passes, and nothing is created", async () => {
  const dataDir = path.join(root, "new");
  await checkUploadStore(dataDir, path.join(dataDir, "uploads"), counted(0).count);
  assert.equal(fs.existsSync(dataDir), false);
});

test("uploads listed but DATA_DIR missing: refused, naming the path, and nothing is created", async () => {
  const dataDir = path.join(root, "unmounted", "tandem");
  await assert.rejects(checkUploadStore(dataDir, path.join(dataDir, "uploads"), counted(3).count), (e: Error) => {
    assert.match(e.message, /DATA_DIR \(.*unmounted\/tandem\) does not exist, but the database lists 3 uploaded files/);
    assert.match(e.message, /volume .* mounted/);
    return true;
  });
  assert.equal(fs.existsSync(path.join(root, "unmounted")), false);
});

test("uploads listed and DATA_DIR an empty mount point: refused; creating the folder is the way to start without the files", async () => {
  const dataDir = path.join(root, "empty-mount-point");
  fs.mkdirSync(dataDir);
  const uploads = path.join(dataDir, "uploads");
  await assert.rejects(checkUploadStore(dataDir, uploads, counted(1).count), (e: Error) => {
    assert.match(e.message, /has no uploads folder, but the database lists 1 uploaded file\./);
    assert.ok(e.message.includes(`create ${uploads}`), e.message);
    return true;
  });
  assert.deepEqual(fs.readdirSync(dataDir), []);
  fs.mkdirSync(uploads);
  await checkUploadStore(dataDir, uploads, counted(1).count);
});
