import assert from "node:assert/strict";
import { test } from "node:test";
import { safeRedirect } from "./safe-redirect";

const base = "http://127.0.0.1:3000";

test("same-origin paths and URLs are kept", () => {
  assert.equal(safeRedirect("/tickets/abc?x=1", base), `${base}/tickets/abc?x=1`);
  assert.equal(safeRedirect(`${base}/tickets/new`, base), `${base}/tickets/new`);
});

test("anything else, including what new URL cannot parse, goes to /tickets instead of throwing", () => {
  // Each of these made next-auth's default callback throw (a 500), found by tests/security/fuzz.test.ts.
  for (const bad of ["\ufffd\ufffd", "http://[::1", "%", "http://a b", "\\\\evil", "/\\evil", "//evil.example", "http://evil.example/", "javascript:alert(1)", "/a\u0000b", "/a\nb", `${base}.evil.example/`]) {
    assert.equal(safeRedirect(bad, base), `${base}/tickets`, JSON.stringify(bad));
  }
});
