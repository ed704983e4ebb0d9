import assert from "node:assert/strict";
import { test } from "node:test";
import { API_CONTENT_SECURITY_POLICY, contentSecurityPolicy, isApiPath, newNonce, securityHeaders } from "./security-headers";

test("production CSP allows no inline script and no eval; development adds only eval", () => {
  const nonce = newNonce();
  assert.notEqual(nonce, newNonce());
  assert.match(nonce, /^[A-Za-z0-9+/]+={0,2}$/);
  const prod = contentSecurityPolicy({ nonce, dev: false, https: false });
  const script = prod.split("; ").find((d) => d.startsWith("script-src"))!;
  assert.equal(script, `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
  assert.ok(!prod.includes("unsafe-inline") && !prod.includes("unsafe-eval"));
  assert.ok(prod.includes("frame-ancestors 'none'") && prod.includes("object-src 'none'"));
  const dev = contentSecurityPolicy({ nonce, dev: true, https: false });
  assert.ok(dev.split("; ").find((d) => d.startsWith("script-src"))!.endsWith("'unsafe-eval'"));
});

test("HSTS only over https", () => {
  assert.equal(securityHeaders({ nonce: "n", dev: false, https: false })["Strict-Transport-Security"], undefined);
  assert.match(securityHeaders({ nonce: "n", dev: false, https: true })["Strict-Transport-Security"]!, /^max-age=\d{8}$/);
});

test("API responses get a fixed policy that allows nothing; pages get the nonce policy", () => {
  for (const p of ["/api/tickets", "/api/tickets?x=1", "/api", "/api?x"]) assert.equal(isApiPath(p), true, p);
  for (const p of ["/tickets", "/apiary", "/login?next=/api/x", "/_next/static/x.js"]) assert.equal(isApiPath(p), false, p);
  assert.equal(securityHeaders({ nonce: null, dev: false, https: false })["Content-Security-Policy"], API_CONTENT_SECURITY_POLICY);
  assert.match(API_CONTENT_SECURITY_POLICY, /^default-src 'none';.*frame-ancestors 'none'/);
  assert.match(securityHeaders({ nonce: "abc", dev: false, https: false })["Content-Security-Policy"]!, /'nonce-abc'/);
});
