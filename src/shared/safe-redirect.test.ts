import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { FALLBACK_PATH, safeRedirectPath } from "./safe-redirect";

const ORIGIN = "http://127.0.0.1:3000";

test("same-origin paths are kept", () => {
  for (const p of ["/tickets", "/tickets/abc?x=1#c", "/tickets/new", "/"]) assert.equal(safeRedirectPath(p, ORIGIN), p);
  assert.equal(safeRedirectPath(`${ORIGIN}/tickets/abc`, ORIGIN), "/tickets/abc");
  assert.equal(safeRedirectPath(ORIGIN, ORIGIN), "/");
});

test("other origins, scheme-relative forms, control characters and backslashes go to /tickets", () => {
  const bad = [
    "//evil.example", "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/%09/evil.example", "/%2F%2Fevil.example",
    "/%5Cevil.example", "/\t/evil.example", "/\n/evil.example", " //evil.example", "javascript:alert(1)", "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "https://evil.example/tickets", "http://127.0.0.1:3000.evil.example/x",
    `${ORIGIN}@evil.example/`, "evil.example", "tickets", "/%E0%A4%A", "/login", "/login?callbackUrl=/x", "", "/x\u0000",
    "/\u2028", "http:/evil.example", "/..//evil.example/..", "x".repeat(3000),
  ];
  for (const b of bad) assert.equal(safeRedirectPath(b, ORIGIN), FALLBACK_PATH, JSON.stringify(b));
  assert.equal(safeRedirectPath(undefined), FALLBACK_PATH);
  assert.equal(safeRedirectPath(["/x"]), FALLBACK_PATH);
});

test("whatever comes in, the result is a path on the same origin and nothing throws", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.string().map((s) => `/${s}`)), (raw) => {
      const out = safeRedirectPath(raw, ORIGIN);
      assert.equal(new URL(out, ORIGIN).origin, ORIGIN);
      assert.ok(out.startsWith("/") && !out.startsWith("//") && !out.includes("\\"));
    }),
    { numRuns: 2000 },
  );
});
