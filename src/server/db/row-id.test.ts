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
