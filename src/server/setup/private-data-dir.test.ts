import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { makeDataDirPrivate } from "./private-data-dir";

test("existing directories become 0700 and files 0600; symlinks are left alone", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-private-"));
  const outside = path.join(os.tmpdir(), `tandem-outside-${process.pid}`);
  try {
    const data = path.join(root, "data");
    fs.mkdirSync(path.join(data, "uploads", "tmp"), { recursive: true, mode: 0o755 });
    fs.chmodSync(path.join(data, "uploads"), 0o755);
    fs.writeFileSync(path.join(data, "uploads", "blob"), "x", { mode: 0o644 });
    fs.writeFileSync(path.join(data, "nextauth-secret"), "s", { mode: 0o666 });
    fs.writeFileSync(outside, "not ours", { mode: 0o644 });
    fs.symlinkSync(outside, path.join(data, "link"));

    assert.ok(makeDataDirPrivate(data) >= 3);
    const mode = (p: string) => fs.statSync(path.join(data, p)).mode & 0o777;
    assert.equal(mode("."), 0o700);
    assert.equal(mode("uploads"), 0o700);
    assert.equal(mode("uploads/tmp"), 0o700);
    assert.equal(mode("uploads/blob"), 0o600);
    assert.equal(mode("nextauth-secret"), 0o600);
    assert.equal(fs.statSync(outside).mode & 0o777, 0o644, "a symlink's target outside DATA_DIR is untouched");
    assert.equal(makeDataDirPrivate(data), 0, "a second run changes nothing");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { force: true });
  }
});
