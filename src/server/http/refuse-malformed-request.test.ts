import assert from "node:assert/strict";
import { test } from "node:test";
import { malformedRequest } from "./refuse-malformed-request";

test("URLs whose escapes are not UTF-8 are a 400 (Next answered 500)", () => {
  for (const target of ["/api/tickets/%FF", "/api/tickets/%ED%A0%80", "/api/tickets/%", "/tickets/%zz", "/api/tickets?q=%FF", "/api/tickets?q=%ED%A0%80", "/api/auth/signin?callbackUrl=%C3", "/api/tickets/\u00ff"]) {
    assert.equal(malformedRequest("GET", target)?.status, 400, target);
  }
  for (const target of ["/api/tickets/abc", "/api/tickets?q=%C3%A9t%C3%A9+x&limit=5", "/api/tickets/%00", "/", "/tickets?q=%F0%9F%98%80"]) {
    assert.equal(malformedRequest("GET", target), undefined, target);
  }
});

test("pages answer only GET and HEAD: a POST there would be parsed as a Server Action", () => {
  assert.equal(malformedRequest("POST", "/tickets")?.status, 405);
  assert.equal(malformedRequest("PUT", "/")?.status, 405);
  assert.equal(malformedRequest("HEAD", "/tickets"), undefined);
  assert.equal(malformedRequest("POST", "/api/tickets"), undefined);
  assert.equal(malformedRequest("POST", "/api/auth/callback/credentials"), undefined);
  assert.equal(malformedRequest("POST", "/__nextjs_original-stack-frames"), undefined);
});
