import assert from "node:assert/strict";
import { test } from "node:test";
import { ID_PATTERN } from "../../shared/schemas/text";
import { newRowId } from "./row-id";

test("row ids look like cuid2 ids (24 lowercase letters and digits, a letter first) and do not repeat", () => {
  const ids = Array.from({ length: 10_000 }, newRowId);
  for (const id of ids) {
    assert.match(id, /^[a-z][a-z0-9]{23}$/);
    assert.match(id, ID_PATTERN);
  }
  assert.equal(new Set(ids).size, ids.length);
});

test("ids drawn across many refills of the random pool stay unique and use the whole alphabet", () => {
  const ids = Array.from({ length: 256 * 40 + 7 }, newRowId);
  assert.equal(new Set(ids).size, ids.length);
  const seen = new Set(ids.join(""));
  assert.equal(seen.size, 32, "every letter and digit of the alphabet occurs");
});
