import assert from "node:assert/strict";
import { test } from "node:test";
import { originAllowed } from "./origin";

const configured = { appOrigin: "https://help.example.com", appUrlConfigured: true };
const local = { appOrigin: "http://localhost:3000", appUrlConfigured: false };

test("with APP_URL configured, only that origin (or none) is allowed", () => {
  assert.equal(originAllowed("https://help.example.com", "help.example.com", configured), true);
  assert.equal(originAllowed(undefined, "help.example.com", configured), true);
  assert.equal(originAllowed("https://evil.example", "help.example.com", configured), false);
  // Same host as the request is not enough once the public origin is pinned.
  assert.equal(originAllowed("http://10.0.0.5:3000", "10.0.0.5:3000", configured), false);
});

test("without APP_URL, a page served by the host it connects to is allowed", () => {
  assert.equal(originAllowed("http://localhost:3000", "localhost:3000", local), true);
  assert.equal(originAllowed("http://127.0.0.1:3000", "127.0.0.1:3000", local), true);
  assert.equal(originAllowed("http://evil.example", "127.0.0.1:3000", local), false);
  assert.equal(originAllowed("http://127.0.0.1:4000", "127.0.0.1:3000", local), false);
  assert.equal(originAllowed("null", "127.0.0.1:3000", local), false);
  assert.equal(originAllowed("http://127.0.0.1:3000", undefined, local), false);
});
