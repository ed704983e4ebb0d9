import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCookies, sessionToken } from "./authenticate";

test("parses cookie headers, decoding values and keeping the first of duplicates", () => {
  assert.deepEqual(parseCookies("a=1; b=hello%20world; a=2; bad; c=\"q\""), { a: "1", b: "hello world", c: "q" });
  assert.deepEqual(parseCookies(undefined), {});
});

test("joins next-auth's chunked session cookies in order", () => {
  const name = "next-auth.session-token";
  assert.equal(sessionToken({ [name]: "whole" }, name), "whole");
  assert.equal(sessionToken({ [`${name}.1`]: "B", [`${name}.0`]: "A", [`${name}.2`]: "C" }, name), "ABC");
  assert.equal(sessionToken({ other: "x" }, name), undefined);
});
