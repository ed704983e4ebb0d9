import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { sweepStaleUploads } from "./sweep-stale-uploads";

test("only partial uploads older than an hour are removed", async () => {
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-sweep-"));
  try {
    assert.equal(await sweepStaleUploads(uploadDir), 0, "no tmp dir yet is fine");
    const tmp = path.join(uploadDir, "tmp");
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, "old"), "x");
    fs.writeFileSync(path.join(tmp, "fresh"), "y");
    fs.writeFileSync(path.join(uploadDir, "stored-blob"), "z");
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    fs.utimesSync(path.join(tmp, "old"), twoHoursAgo, twoHoursAgo);

    assert.equal(await sweepStaleUploads(uploadDir), 1);
    assert.deepEqual(fs.readdirSync(tmp), ["fresh"], "an upload in flight is left alone");
    assert.ok(fs.existsSync(path.join(uploadDir, "stored-blob")), "stored attachments are never touched");
  } finally {
    fs.rmSync(uploadDir, { recursive: true, force: true });
  }
});
