import assert from "node:assert/strict";
import { test } from "node:test";
import { OPAQUE_TYPE, servedContentType } from "./served-type";

test("active or unknown types become application/octet-stream; inert ones keep their type", () => {
  for (const active of ["text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml", "text/javascript",
    "application/javascript", "application/x-shockwave-flash", "text/css", "multipart/x-mixed-replace", "", undefined, null,
    "text/html; charset=utf-8", "image/svg+xml; charset=utf-8", "application/vnd.ms-htmlhelp", "text/plain+html", "message/rfc822"]) {
    assert.equal(servedContentType(active), OPAQUE_TYPE, String(active));
  }
  assert.equal(servedContentType("image/PNG"), "image/png");
  assert.equal(servedContentType("text/plain; charset=utf-8"), "text/plain");
  assert.equal(servedContentType("application/pdf"), "application/pdf");
});
