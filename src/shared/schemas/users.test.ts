import assert from "node:assert/strict";
import { test } from "node:test";
import { ZUpdateUser } from "./users";

test("user updates take name, role and active only, and need at least one", () => {
  assert.deepEqual(ZUpdateUser.parse({ name: "  Ada  ", role: "AGENT", active: false }), { name: "Ada", role: "AGENT", active: false });
  assert.equal(ZUpdateUser.safeParse({}).success, false);
  assert.equal(ZUpdateUser.safeParse({ role: "ROOT" }).success, false);
  assert.equal(ZUpdateUser.safeParse({ active: "false" }).success, false);
  assert.equal(ZUpdateUser.safeParse({ name: "   " }).success, false);
  assert.equal(ZUpdateUser.safeParse({ name: "a\u0000b" }).success, false);
  assert.equal(ZUpdateUser.safeParse({ role: "AGENT", passwordHash: "x" }).success, false, "unknown fields are refused");
});
