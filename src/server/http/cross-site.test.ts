import assert from "node:assert/strict";
import { test } from "node:test";
import { checkCrossSite } from "./cross-site";

const configured = { appOrigin: "https://help.example.com", appUrlConfigured: true };
const local = { appOrigin: "http://localhost:3000", appUrlConfigured: false };
const allowed = (method: string, headers: Record<string, string | string[]>, env = configured) => checkCrossSite(method, headers, env).allowed;

test("safe methods pass whatever their origin", () => {
  for (const m of ["GET", "HEAD", "OPTIONS", "get"]) assert.equal(allowed(m, { origin: "https://evil.example", "sec-fetch-site": "cross-site" }), true);
});

test("every other method needs the app's origin", () => {
  for (const m of ["POST", "PATCH", "PUT", "DELETE", "PROPFIND", "post"]) {
    assert.equal(allowed(m, { origin: "https://help.example.com", host: "help.example.com" }), true, m);
    assert.equal(allowed(m, { origin: "https://evil.example", host: "help.example.com" }), false, m);
  }
  // Same-site is still another origin: a sibling subdomain, another port or scheme.
  for (const o of ["https://other.example.com", "https://help.example.com:8443", "http://help.example.com", "https://help.example.com.evil.example"]) {
    assert.equal(allowed("POST", { origin: o, host: "help.example.com" }), false, o);
  }
  assert.equal(allowed("POST", { origin: "null" }), false);
  assert.equal(allowed("POST", { origin: ["https://help.example.com", "https://evil.example"] }), false, "repeated Origin");
});

test("without Origin, Sec-Fetch-Site decides; with neither, a non-browser client passes", () => {
  assert.equal(allowed("POST", { "sec-fetch-site": "same-origin" }), true);
  assert.equal(allowed("POST", { "sec-fetch-site": "none" }), true);
  assert.equal(allowed("POST", { "sec-fetch-site": "same-site" }), false);
  assert.equal(allowed("POST", { "sec-fetch-site": "cross-site" }), false);
  assert.equal(allowed("POST", { "sec-fetch-site": "something-new" }), false);
  assert.deepEqual(checkCrossSite("POST", {}, configured), { allowed: true, reason: "non-browser" });
});

test("without APP_URL the page's own host is the allowed origin, as for sockets", () => {
  assert.equal(allowed("POST", { origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }, local), true);
  assert.equal(allowed("POST", { origin: "http://localhost:3000", host: "127.0.0.1:3000" }, local), true, "APP_URL's derived origin");
  assert.equal(allowed("POST", { origin: "http://127.0.0.1:4000", host: "127.0.0.1:3000" }, local), false);
});
