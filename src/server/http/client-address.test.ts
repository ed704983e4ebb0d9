import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTrustedProxies, resolveClientAddress } from "./client-address";

const loopback = parseTrustedProxies("127.0.0.1,::1");

test("a direct client is its socket's peer; its X-Forwarded-For is ignored", () => {
  assert.equal(resolveClientAddress("203.0.113.7", "1.2.3.4", loopback), "203.0.113.7");
});

test("behind a trusted proxy the last hop it appended is the client, not what the client claimed", () => {
  // The client sent "X-Forwarded-For: 6.6.6.6"; nginx appended the real peer.
  assert.equal(resolveClientAddress("127.0.0.1", "6.6.6.6, 198.51.100.2", loopback), "198.51.100.2");
  assert.equal(resolveClientAddress("::ffff:127.0.0.1", ["198.51.100.2"], loopback), "198.51.100.2");
});

test("chains of trusted proxies are walked; CIDRs work; garbage stops the walk", () => {
  const list = parseTrustedProxies("127.0.0.1, 10.0.0.0/8");
  assert.equal(resolveClientAddress("127.0.0.1", "198.51.100.2, 10.1.2.3", list), "198.51.100.2");
  assert.equal(resolveClientAddress("127.0.0.1", "not-an-ip", list), "127.0.0.1");
  assert.equal(resolveClientAddress("::ffff:203.0.113.9", undefined, list), "203.0.113.9");
  assert.equal(resolveClientAddress(undefined, "1.2.3.4", list), "unknown");
});

test("invalid TRUSTED_PROXIES entries are refused", () => {
  assert.throws(() => parseTrustedProxies("localhost"), /TRUSTED_PROXIES/);
  // A prefix length that is not one: "10.0.0.0/" read as /0 trusted everyone.
  for (const bad of ["10.0.0.0/", "10.0.0.0/x", "10.0.0.0/33", "10.0.0.0/8/9", "::1/129", "10.0.0.0/-1", "10.0.0.0/ 8"]) {
    assert.throws(() => parseTrustedProxies(bad), /TRUSTED_PROXIES/, bad);
  }
  assert.equal(parseTrustedProxies("10.0.0.0/8").check("10.1.2.3", "ipv4"), true);
  assert.equal(parseTrustedProxies("10.0.0.0/8").check("11.1.2.3", "ipv4"), false);
  assert.equal(parseTrustedProxies("::1/128").check("::1", "ipv6"), true);
});
