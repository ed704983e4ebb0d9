import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { ZCreateComment } from "../../shared/schemas/comments";
import { ZCreateTicket, ZUpdateTicket } from "../../shared/schemas/tickets";
import { assertJsonMediaType, jsonBodyLimit, maxJsonBytes, readBodyCapped } from "./json-body";

const code = (f: () => unknown) => {
  try {
    f();
    return "ok";
  } catch (e) {
    return (e as { code?: string }).code ?? "threw";
  }
};

test("only a media type that parses exactly as application/json is accepted", () => {
  for (const ok of ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8", "application/json ; charset=utf8"]) {
    assert.equal(code(() => assertJsonMediaType(ok)), "ok", ok);
  }
  for (const bad of [null, "", "text/plain", "application/jsonx", "application/json-patch+json", "foo/application/json",
    "text/plain; application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/json; charset=latin1", "application /json"]) {
    assert.equal(code(() => assertJsonMediaType(bad)), "UNSUPPORTED_MEDIA_TYPE", String(bad));
  }
});

test("a body limit covers the largest valid body of each schema, escaped at worst", () => {
  const worst = JSON.stringify({ title: "\u0001".repeat(200), description: "\u0001".repeat(20_000), priority: "MEDIUM" });
  assert.ok(worst.length <= maxJsonBytes(ZCreateTicket), `${worst.length} > ${maxJsonBytes(ZCreateTicket)}`);
  const comment = JSON.stringify({ body: "\u0002".repeat(10_000), internal: false, attachmentIds: Array.from({ length: 10 }, () => "\u0004".repeat(64)) });
  assert.ok(comment.length <= maxJsonBytes(ZCreateComment));
  const update = JSON.stringify({ status: "IN_PROGRESS", priority: "URGENT", assigneeId: "x".repeat(64), title: "\u0003".repeat(200), version: Number.MAX_SAFE_INTEGER });
  assert.ok(update.length <= maxJsonBytes(ZUpdateTicket));
  // And not absurdly more: a tenth of a megabyte or so for the largest.
  assert.ok(jsonBodyLimit(ZCreateTicket) < 200_000);
  assert.ok(jsonBodyLimit(ZUpdateTicket) < 8_000);
  assert.throws(() => maxJsonBytes(z.object({ unbounded: z.string() })), /no maximum/);
  assert.throws(() => maxJsonBytes(z.object({ unbounded: z.array(z.string().max(4)) })), /no maximum/);
});

function streamRequest(chunks: Uint8Array[], headers: Record<string, string> = {}) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled < chunks.length) controller.enqueue(chunks[pulled++]!);
      else controller.close();
    },
  });
  const req = new Request("http://x/", { method: "POST", body, headers, duplex: "half" } as RequestInit);
  return { req, pulled: () => pulled };
}

test("reading stops at the limit whatever the headers say", async () => {
  const chunk = new Uint8Array(1000);
  const { req, pulled } = streamRequest(Array.from({ length: 100 }, () => chunk));
  await assert.rejects(readBodyCapped(req, 2500), { code: "PAYLOAD_TOO_LARGE" });
  assert.ok(pulled() <= 4, `pulled ${pulled()} chunks of 100`);

  const lying = streamRequest(Array.from({ length: 100 }, () => chunk), { "content-length": "10" });
  await assert.rejects(readBodyCapped(lying.req, 2500), { code: "PAYLOAD_TOO_LARGE" });

  const declared = streamRequest([chunk], { "content-length": "999999" });
  await assert.rejects(readBodyCapped(declared.req, 2500), { code: "PAYLOAD_TOO_LARGE" });
  // The stream itself pre-pulls one chunk into its queue; the reader never asks for more.
  assert.ok(declared.pulled() <= 1, "a declared oversize body is not read");

  const fine = streamRequest([chunk, chunk]);
  assert.equal((await readBodyCapped(fine.req, 2500)).byteLength, 2000);
});
