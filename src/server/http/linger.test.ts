import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, test } from "node:test";
import { createLingering } from "./linger";

// A real server and raw client sockets: what is tested is what reaches the
// client's kernel (an answer, a close, or a reset), which only real sockets show.
let server: http.Server;
let port: number;
const routeSaw: string[] = [];

before(async () => {
  // Production's time limit. The byte limit is raised: a client here writes
  // as fast as loopback takes it until the answer arrives, and on a loaded
  // machine that alone can pass production's 1 MiB (the time limit is what
  // "never stops sending" checks).
  const lingering = createLingering({ ms: 2_000, bytes: 64 * 1024 * 1024, inFlightMs: 5_000 });
  server = http.createServer((req, res) => {
    lingering.onRequest(req, res);
    if (req.url === "/stop-early") {
      // Refuses the body before reading it, as an over-cap body is refused.
      res.writeHead(413, { connection: "close" }).end("too large");
      return;
    }
    let bytes = 0;
    req.on("data", (d: Buffer) => (bytes += d.length));
    req.on("aborted", () => routeSaw.push(`aborted ${req.url}`));
    req.on("end", () => {
      // Answered a little later, as a route handler does after its checks.
      setTimeout(() => res.end(`the route's answer to ${req.url} after ${bytes} bytes`), 30);
    });
  });
  server.on("clientError", lingering.onClientError);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as net.AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

type Outcome = { answer: string; error: string | null; sentAfterAnswer: number; endedFirst: boolean };

/** What a client sends on after the answer starts, before it ends (a client that has not read yet). */
const AFTER_ANSWER = 256 * 1024;

/**
 * Send `head`, then `filler` as fast as the socket takes it; once the answer
 * starts, send `afterAnswer` bytes more (or for ever), then end. Resolves when
 * the connection closes.
 */
function exchange(head: string | Buffer, filler: Buffer | null, afterAnswer: number | "for ever" = AFTER_ANSWER): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let answer = "";
    let error: string | null = null;
    let answeredAt = 0;
    let sentAfterAnswer = 0;
    let ended = false;
    socket.on("data", (d: Buffer) => {
      answer += d.toString("latin1");
      answeredAt ||= Date.now();
    });
    socket.on("error", (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on("close", () => resolve({ answer, error, sentAfterAnswer, endedFirst: ended }));
    socket.write(head);
    const pump = () => {
      while (!socket.destroyed && !ended) {
        if (answeredAt && afterAnswer !== "for ever" && sentAfterAnswer >= afterAnswer) {
          ended = true;
          return void socket.end();
        }
        if (filler === null) {
          if (answeredAt) {
            ended = true;
            return void socket.end();
          }
          return void setTimeout(pump, 10);
        }
        if (answeredAt) sentAfterAnswer += filler.length;
        if (!socket.write(filler)) return void socket.once("drain", pump);
        // Let the answer's data event in now and then.
        if (Math.random() < 0.05) return void setImmediate(pump);
      }
    };
    pump();
  });
}

const garbage = Buffer.alloc(64 * 1024, 0x61);

test("bytes past a whole request: the route's own answer arrives, then a close, no reset", async () => {
  // The client declares 1 000 bytes and sends megabytes: the rest fails to
  // parse as a next request. Node's own handling wrote a bare 400 over the
  // route's answer and closed with the bytes unread (a reset).
  for (let i = 0; i < 5; i++) {
    const o = await exchange(`POST /lying HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n${"b".repeat(1000)}`, garbage);
    assert.match(o.answer, /^HTTP\/1\.1 200 OK\r\n/, o.answer.slice(0, 200));
    assert.match(o.answer, /\r\nConnection: close\r\n/i, o.answer.slice(0, 200));
    assert.match(o.answer, /the route's answer to \/lying after 1000 bytes$/);
    assert.equal(o.error, null, "the client was reset");
    assert.ok(o.endedFirst, "the server closed while the client was still sending");
    assert.ok(o.sentAfterAnswer > 0, "the client went on sending after the answer");
  }
});

test("garbage with nothing in flight gets Node's bare 400, then a lingering close", async () => {
  const o = await exchange(garbage, garbage);
  assert.equal(o.answer, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  assert.equal(o.error, null);
  assert.ok(o.endedFirst);
});

test("headers over the parser's limit get 431, then a lingering close", async () => {
  const o = await exchange(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"h".repeat(20_000)}`, Buffer.alloc(16 * 1024, 0x68));
  assert.match(o.answer, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.equal(o.error, null);
  assert.ok(o.endedFirst);
});

test("a body refused before it is read: the answer, then a close, no reset", async () => {
  const o = await exchange("POST /stop-early HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", Buffer.from(`4000\r\n${"c".repeat(0x4000)}\r\n`));
  assert.match(o.answer, /^HTTP\/1\.1 413 /);
  assert.match(o.answer, /\r\ntoo large\r\n0\r\n\r\n$/, "the whole answer, to its last chunk");
  assert.equal(o.error, null);
  assert.ok(o.endedFirst);
});

test("a client that never stops sending is closed all the same", async () => {
  const o = await exchange(garbage, garbage, "for ever");
  assert.equal(o.answer, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  assert.ok(!o.endedFirst, "the client ended first, so the server never had to cut it off");
});

test("a request whose own body fails to parse is cut off, as Node does, and its route learns it", async () => {
  routeSaw.length = 0;
  const o = await exchange("POST /bad-chunks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n", null);
  assert.match(o.answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.deepEqual(routeSaw, ["aborted /bad-chunks"]);
});

test("pipelined whole requests are answered in order and the connection stays open", async () => {
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let got = "";
    socket.on("error", reject);
    socket.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      if ((got.match(/the route's answer/g) ?? []).length === 2) {
        assert.ok(!socket.readableEnded && !socket.destroyed, "the connection was closed");
        socket.end();
        resolve(got);
      }
    });
    socket.write("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n");
  });
  assert.match(answer, /answer to \/one[\s\S]*answer to \/two/);
  assert.doesNotMatch(answer, /Connection: close/i);
});
