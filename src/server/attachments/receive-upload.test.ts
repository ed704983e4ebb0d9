import assert from "node:assert/strict";
import { test } from "node:test";
import { isWellFormedText } from "../../shared/schemas/text";
import { cleanFileName } from "./receive-upload";

test("file names are cut at 255 code points, never through a surrogate pair", () => {
  const name = cleanFileName(`${"a".repeat(254)}😀😀.png`);
  assert.equal(isWellFormedText(name), true);
  assert.equal(name, `${"a".repeat(254)}😀`);
});

test("file names lose directories and control characters", () => {
  assert.equal(cleanFileName("../../etc/pass\u0000wd"), "passwd");
  assert.equal(cleanFileName("C:\\temp\\x.txt"), "x.txt");
  assert.equal(cleanFileName(" \u0001 "), "file");
});
