/**
 * Web-facing defences, attacked through the real server (production build):
 * cross-site state changes, JSON media types and streaming body caps,
 * security headers (direct and through the shipped nginx and HAProxy), safe
 * redirects through next-auth and the login page, inert attachment types,
 * and /api/ready's details for operators only (a private DATA_DIR: see
 * tests/integration/lifecycle.test.ts, whose server makes one from scratch).
 *
 * One server for the file, on APP_URL http://127.0.0.1:<port>, listening on
 * every interface so a request can also arrive from a non-loopback address.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { after, before, describe, test } from "node:test";
import { freePort, type Haproxy, type Nginx, startHaproxy, startNginx } from "../helpers/proxies";
import { api, signIn, startServer, type TestServer } from "../helpers/server";

const READY_TOKEN = "ready-token-for-the-security-tests";

let server: TestServer;
let app: string; // APP_URL's origin
let alice: string; // Alice's session cookie
let ticketId: string;

before(async () => {
  const port = await freePort();
  app = `http://127.0.0.1:${port}`;
  server = await startServer({ port, env: { APP_URL: app, HOST: "0.0.0.0", READY_TOKEN } });
  alice = await signIn(app, "alice@example.com");
  const created = await api<{ id: string }>(app, alice, "POST", "/api/tickets", { title: "Printer on fire", description: "Smoke" });
  assert.equal(created.status, 201);
  ticketId = created.body.id;
});

after(async () => {
  await server?.stop();
});

type Sent = { status: number; headers: Headers; text: string; json: unknown };

async function send(pathname: string, init: { method?: string; headers?: Record<string, string>; body?: BodyInit; base?: string } = {}): Promise<Sent> {
  const res = await fetch(`${init.base ?? app}${pathname}`, {
    method: init.method ?? "GET",
    headers: init.headers,
    body: init.body,
    redirect: "manual",
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

function multipart(fileName: string, type: string, content: string): { type: string; body: string } {
  const boundary = "----tandem-security-boundary";
  return {
    type: `multipart/form-data; boundary=${boundary}`,
    body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${type}\r\n\r\n${content}\r\n--${boundary}--\r\n`,
  };
}

async function counts(): Promise<{ tickets: number; comments: number; attachments: number; title: string }> {
  const list = await api<{ items: unknown[] }>(app, alice, "GET", "/api/tickets?limit=100");
  const comments = await api<{ items: unknown[] }>(app, alice, "GET", `/api/tickets/${ticketId}/comments`);
  const attachments = await api<{ items: unknown[] }>(app, alice, "GET", `/api/tickets/${ticketId}/attachments`);
  const ticket = await api<{ title: string }>(app, alice, "GET", `/api/tickets/${ticketId}`);
  assert.equal(list.status, 200, "Alice is still signed in");
  return { tickets: list.body.items.length, comments: comments.body.items.length, attachments: attachments.body.items.length, title: ticket.body.title };
}

/** Every state-changing request a page could aim at Alice's session, in each body type a browser can send. */
function attacks(): Array<{ name: string; method: string; path: string; type: string; body: string }> {
  const json = [
    { name: "create ticket", method: "POST", path: "/api/tickets", body: JSON.stringify({ title: "Forged ticket", description: "forged" }) },
    { name: "comment", method: "POST", path: `/api/tickets/${ticketId}/comments`, body: JSON.stringify({ body: "forged comment" }) },
    { name: "retitle", method: "PATCH", path: `/api/tickets/${ticketId}`, body: JSON.stringify({ title: "Forged title" }) },
  ];
  const out: Array<{ name: string; method: string; path: string; type: string; body: string }> = [];
  for (const a of json) {
    for (const type of ["application/json", "text/plain", "application/x-www-form-urlencoded"]) out.push({ ...a, type });
  }
  const upload = multipart("forged.txt", "text/plain", "forged");
  out.push({ name: "upload", method: "POST", path: `/api/tickets/${ticketId}/attachments`, type: upload.type, body: upload.body });
  out.push({ name: "sign out", method: "POST", path: "/api/auth/signout", type: "application/x-www-form-urlencoded", body: "csrfToken=x&json=true" });
  out.push({ name: "sign in", method: "POST", path: "/api/auth/callback/credentials", type: "application/x-www-form-urlencoded", body: `email=bob%40example.com&password=${server.password}&csrfToken=x&json=true` });
  out.push({ name: "delete", method: "DELETE", path: `/api/tickets/${ticketId}`, type: "text/plain", body: "" });
  out.push({ name: "put", method: "PUT", path: `/api/tickets/${ticketId}`, type: "application/json", body: "{}" });
  return out;
}

describe("cross-site requests", () => {
  test("are refused from any other origin, same-site ones included, whatever the content type, and change nothing", async () => {
    const before = await counts();
    const port = Number(new URL(app).port);
    const foreign: Array<Record<string, string>> = [
      { origin: `http://127.0.0.1:${port + 1}`, "sec-fetch-site": "same-site" }, // another port, same host
      { origin: `http://localhost:${port}` }, // another host name for the same server
      { origin: "http://tickets.127.0.0.1.nip.io" }, // a sibling name
      { origin: `https://127.0.0.1:${port}` }, // another scheme
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      { origin: "null" },
      { "sec-fetch-site": "same-site" }, // a browser that left Origin out
      { "sec-fetch-site": "cross-site" },
    ];
    for (const headers of foreign) {
      for (const a of attacks()) {
        const res = await send(a.path, { method: a.method, headers: { ...headers, cookie: alice, "content-type": a.type }, body: a.method === "DELETE" ? undefined : a.body });
        assert.equal(res.status, 403, `${a.name} (${a.type}) from ${JSON.stringify(headers)}: ${res.text}`);
        assert.deepEqual(res.json, { error: { code: "FORBIDDEN", message: (res.json as { error: { message: string } }).error.message } });
        assert.ok(res.headers.get("content-security-policy"), "refusals carry the security headers too");
        assert.equal(res.headers.getSetCookie().length, 0, `${a.name}: no cookie was set or cleared`);
      }
    }
    assert.deepEqual(await counts(), before, "nothing was written and Alice is still signed in");
  });

  test("the app's own origin, and non-browser clients without Origin, still work (so the refusals above mean something)", async () => {
    const before = await counts();
    const own = { origin: app, "sec-fetch-site": "same-origin", cookie: alice, "content-type": "application/json" };
    assert.equal((await send("/api/tickets", { method: "POST", headers: own, body: JSON.stringify({ title: "Own origin", description: "ok" }) })).status, 201);
    assert.equal((await send(`/api/tickets/${ticketId}/comments`, { method: "POST", headers: { ...own, origin: app }, body: JSON.stringify({ body: "own" }) })).status, 201);
    const { origin: _o, "sec-fetch-site": _s, ...noBrowser } = own;
    assert.equal((await send(`/api/tickets/${ticketId}/comments`, { method: "POST", headers: { ...noBrowser, "sec-fetch-site": "same-origin" }, body: JSON.stringify({ body: "no origin, same-origin fetch" }) })).status, 201);
    assert.equal((await send(`/api/tickets/${ticketId}/comments`, { method: "POST", headers: noBrowser, body: JSON.stringify({ body: "curl" }) })).status, 201);
    const after = await counts();
    assert.equal(after.tickets, before.tickets + 1);
    assert.equal(after.comments, before.comments + 3);
  });
});

describe("JSON bodies", () => {
  test("only application/json (with an optional UTF-8 charset) is accepted", async () => {
    const body = JSON.stringify({ body: "typed" });
    for (const type of ["text/plain", "application/jsonx", "application/json-patch+json", "foo/application/json", "text/plain; application/json", "application/json; charset=latin1"]) {
      const res = await send(`/api/tickets/${ticketId}/comments`, { method: "POST", headers: { cookie: alice, "content-type": type }, body });
      assert.equal(res.status, 415, type);
      assert.equal((res.json as { error: { code: string } }).error.code, "UNSUPPORTED_MEDIA_TYPE");
    }
    const ok = await send(`/api/tickets/${ticketId}/comments`, { method: "POST", headers: { cookie: alice, "content-type": "application/json; charset=utf-8" }, body });
    assert.equal(ok.status, 201);
  });

  test("a body over what the fields allow is refused with 413 by its declared length", async () => {
    const huge = JSON.stringify({ body: "x".repeat(200_000) });
    const res = await send(`/api/tickets/${ticketId}/comments`, { method: "POST", headers: { cookie: alice, "content-type": "application/json" }, body: huge });
    assert.equal(res.status, 413);
    assert.equal((res.json as { error: { code: string } }).error.code, "PAYLOAD_TOO_LARGE");
    // The largest valid comment, every character escaped, still fits.
    const largest = JSON.stringify({ body: "\u0001".repeat(9_999) + "x" });
    assert.equal((await send(`/api/tickets/${ticketId}/comments`, { method: "POST", headers: { cookie: alice, "content-type": "application/json" }, body: largest })).status, 201);
  });

  /**
   * Stream a body of up to `total` bytes in 64 KiB chunks and stop as soon as
   * the response arrives. Resolves with the status and how much was written.
   */
  function streamUntilAnswered(headers: Record<string, string>, total: number): Promise<{ status: number; written: number; body: string }> {
    const url = new URL(`/api/tickets/${ticketId}/comments`, app);
    return new Promise((resolve, reject) => {
      let written = 0;
      let answered = false;
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { cookie: alice, "content-type": "application/json", ...headers } });
      req.on("response", (res) => {
        answered = true;
        let body = "";
        res.on("data", (d: Buffer) => (body += d));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, written, body });
        });
      });
      req.on("error", (e) => {
        if (!answered) reject(e);
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20); // JSON whitespace: valid up to the end
      req.write('{"body":"x"');
      const pump = () => {
        while (!answered && written < total) {
          written += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        if (!answered) req.end("}");
      };
      pump();
    });
  }

  test("a chunked body without Content-Length is cut off as it crosses the cap, long before it ends", async (t) => {
    const total = 256 * 1024 * 1024;
    const res = await streamUntilAnswered({}, total);
    // For SECURITY.md: the comment cap is 76 136 bytes; what the client wrote beyond it sat in socket buffers.
    t.diagnostic(`413 after the client had written ${res.written} bytes`);
    assert.equal(res.status, 413, res.body);
    assert.equal(JSON.parse(res.body).error.code, "PAYLOAD_TOO_LARGE");
    assert.ok(res.written < total / 4, `the server answered only after ${res.written} of ${total} bytes`);
  });

  test("after a 413 the connection lingers: a client still sending gets its answer and no reset, then it closes", async () => {
    // Closing with the client's bytes unread makes the kernel reset the
    // connection, which can destroy the answer before the client reads it
    // (this suite's chunked test saw EPIPE instead of 413 about once in 60).
    // The server closes its side, reads and discards, and closes once the
    // client does (or after 2 s).
    const url = new URL(app);
    const result = await new Promise<{ answer: string; error: string | null; endedFirst: boolean }>((resolve) => {
      // allowHalfOpen: the server's end of writing must not end our sending.
      const socket = net.connect({ port: Number(url.port), host: url.hostname, allowHalfOpen: true });
      let answer = "";
      let error: string | null = null;
      let ended = false;
      socket.on("data", (d: Buffer) => (answer += d.toString("latin1")));
      socket.on("error", (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
      socket.on("close", () => resolve({ answer, error, endedFirst: ended }));
      const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
      socket.write(`POST /api/tickets/${ticketId}/comments HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${alice}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      socket.write(chunk('{"body":"x"'));
      const spaces = " ".repeat(16 * 1024);
      for (let i = 0; i < 8; i++) socket.write(chunk(spaces)); // 128 KiB: over the comment cap
      // Once answered, go on sending for a while, as a client that has not read yet would.
      const waitForAnswer = setInterval(() => {
        if (!answer.includes("PAYLOAD_TOO_LARGE")) return;
        clearInterval(waitForAnswer);
        let sent = 0;
        const more = setInterval(() => {
          if (socket.destroyed) return clearInterval(more);
          socket.write(chunk(spaces));
          if (++sent === 10) {
            clearInterval(more);
            socket.end("0\r\n\r\n");
            ended = true;
          }
        }, 30);
      }, 10);
    });
    assert.match(result.answer, /^HTTP\/1\.1 413 /, result.answer.slice(0, 200));
    assert.match(result.answer, /connection: close/i);
    assert.equal(result.error, null, "writing on after the answer must not meet a reset");
    assert.ok(result.endedFirst, "the connection stayed open while the client was still sending");
  });

  test("a lying Content-Length does not get past the cap either", async () => {
    // Declares 50 000 bytes (under the comment cap) but keeps sending: the
    // framing ends the body at 50 000 (invalid JSON, 400), the rest is never
    // taken as part of it. A raw socket, as an HTTP client would not send it.
    // The rest fails to parse as a next request; the route's answer must
    // still arrive whole, not a bare 400 written over it nor a reset
    // (src/server/http/linger.ts; under CI's load this test once read nothing).
    const before = await counts();
    const url = new URL(app);
    const first = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(url.port), url.hostname);
      let got = "";
      // Stop sending once the answer starts, as a client would.
      let answered = false;
      socket.on("data", (d: Buffer) => {
        answered = true;
        got += d.toString("latin1");
      });
      socket.on("error", () => undefined);
      socket.on("close", () => resolve(got));
      socket.write(`POST /api/tickets/${ticketId}/comments HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${alice}\r\nContent-Type: application/json\r\nContent-Length: 50000\r\n\r\n{"body":"x`);
      const filler = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024 && !socket.destroyed && !answered) {
          sent += filler.length;
          if (!socket.write(filler)) return void socket.once("drain", pump);
        }
        socket.end();
      };
      pump();
    });
    assert.match(first, /^HTTP\/1\.1 400 /, first.slice(0, 200));
    assert.match(first, /"code":"VALIDATION"/, `the route's own answer: ${first.slice(0, 400)}`);
    assert.match(first, /\r\nconnection: close\r\n/i, first.slice(0, 400));
    assert.deepEqual(await counts(), before, "no comment was made of it");
    // Declares a huge body: refused before any of it is read.
    const huge = await streamUntilAnswered({ "content-length": String(1024 * 1024 * 1024) }, 256 * 1024 * 1024);
    assert.equal(huge.status, 413);
    assert.ok(huge.written < 64 * 1024 * 1024, `answered after ${huge.written} bytes`);
    // The server is still fine afterwards.
    assert.equal((await counts()).title, "Printer on fire");
  });
});

const REQUIRED_HEADERS = ["content-security-policy", "referrer-policy", "permissions-policy", "x-content-type-options", "x-frame-options"];

function assertSecurityHeaders(res: Sent, what: string) {
  for (const h of REQUIRED_HEADERS) assert.ok(res.headers.get(h), `${what}: ${h} missing`);
  const csp = res.headers.get("content-security-policy")!;
  // Pages run only scripts with this response's nonce; API responses run nothing at all.
  if (what.startsWith("API") || what.includes("/api/") || ["next-auth", "next-auth session", "attachment", "health"].includes(what)) {
    assert.match(csp, /^default-src 'none'(;|$)/, `${what}: ${csp}`);
    assert.ok(!csp.includes("nonce-"), `${what}: an API response needs no nonce: ${csp}`);
  } else {
    assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'(;|$)/, `${what}: ${csp}`);
  }
  assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), `${what}: ${csp}`);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff", what);
  assert.equal(res.headers.get("strict-transport-security"), null, `${what}: no HSTS over plain http`);
}

describe("security headers", () => {
  test("are on pages, API responses, errors, 404s, next-auth and attachment downloads", async () => {
    const upload = multipart("note.txt", "text/plain", "hello");
    const uploaded = await send(`/api/tickets/${ticketId}/attachments`, { method: "POST", headers: { cookie: alice, "content-type": upload.type }, body: upload.body });
    assert.equal(uploaded.status, 201);
    const attachmentId = (uploaded.json as { id: string }).id;
    const cases: Array<[string, () => Promise<Sent>]> = [
      ["login page", () => send("/login")],
      ["ticket page", () => send(`/tickets/${ticketId}`, { headers: { cookie: alice } })],
      ["page 404", () => send("/no-such-page")],
      ["API JSON", () => send("/api/tickets", { headers: { cookie: alice } })],
      ["API 401", () => send("/api/tickets")],
      ["API 404", () => send("/api/no-such-route")],
      ["API error", () => send(`/api/tickets/${ticketId}/comments`, { method: "POST", headers: { cookie: alice, "content-type": "text/plain" }, body: "x" })],
      ["next-auth", () => send("/api/auth/csrf")],
      ["next-auth session", () => send("/api/auth/session", { headers: { cookie: alice } })],
      ["attachment", () => send(`/api/attachments/${attachmentId}`, { headers: { cookie: alice } })],
      ["health", () => send("/api/health")],
      ["static", async () => {
        const html = (await send("/login")).text;
        const asset = /\/_next\/static\/[^"']+\.js/.exec(html)?.[0];
        assert.ok(asset, "the login page links a script");
        return send(asset);
      }],
    ];
    for (const [what, get] of cases) assertSecurityHeaders(await get(), what);
    assert.equal((await send(`/api/attachments/${attachmentId}`, { headers: { cookie: alice } })).headers.get("x-content-type-options"), "nosniff", "not doubled");
  });

  test("every script on a page carries this response's nonce, and nonces are not reused", async () => {
    const a = await send("/login");
    const b = await send("/login");
    const nonce = (r: Sent) => /'nonce-([^']+)'/.exec(r.headers.get("content-security-policy")!)![1]!;
    assert.notEqual(nonce(a), nonce(b));
    const scripts = [...a.text.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.ok(scripts.length > 0);
    for (const s of scripts) assert.ok(s.includes(`nonce="${nonce(a)}"`), `script without the nonce: ${s}`);
  });

  test("pass through the shipped nginx and HAProxy unchanged", async () => {
    let nginx: Nginx | undefined;
    let haproxy: Haproxy | undefined;
    try {
      nginx = await startNginx({ upstreams: [server.port, server.port] });
      haproxy = await startHaproxy({ upstreams: [server.port, server.port], nginxPort: nginx.port });
      const direct = await send("/login");
      for (const [what, base] of [["nginx", nginx.url], ["haproxy", `http://127.0.0.1:${haproxy.appPort}`], ["haproxy→nginx", `http://127.0.0.1:${haproxy.nginxFrontPort}`]] as const) {
        for (const p of ["/login", "/api/health", "/no-such-page"]) {
          const res = await send(p, { base });
          assertSecurityHeaders(res, `${what} ${p}`);
          for (const h of REQUIRED_HEADERS.filter((x) => x !== "content-security-policy")) {
            assert.equal(res.headers.get(h), direct.headers.get(h), `${what} ${p}: ${h} changed`);
          }
        }
        // Cross-site refusals hold behind the proxies too (they pass Origin through).
        const refused = await send("/api/tickets", { base, method: "POST", headers: { origin: "https://evil.example", cookie: alice, "content-type": "application/json" }, body: "{}" });
        assert.equal(refused.status, 403, what);
      }
    } finally {
      await haproxy?.kill();
      await nginx?.kill();
    }
  });
});

describe("redirect targets", () => {
  const BAD = ["//evil.example", "/\\evil.example", "\\\\evil.example", "/%09/evil.example", "/\t/evil.example", "javascript:alert(1)",
    "https://evil.example/tickets", "http://127.0.0.1.evil.example/", "/%2F%2Fevil.example", "%", "/%E0%A4%A", "/..//evil.example/..", "data:text/html,x"];

  test("next-auth's sign-in callback sends every bad callbackUrl to /tickets, never a 500", async () => {
    for (const bad of BAD) {
      const csrf = await fetch(`${app}/api/auth/csrf`);
      const jar = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
      const { csrfToken } = (await csrf.json()) as { csrfToken: string };
      const res = await send("/api/auth/callback/credentials", {
        method: "POST",
        headers: { cookie: jar, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrfToken, email: "bob@example.com", password: server.password, callbackUrl: bad, json: "true" }).toString(),
      });
      assert.ok(res.status < 500, `${JSON.stringify(bad)}: ${res.status}`);
      const target = res.status === 200 ? (res.json as { url: string }).url : res.headers.get("location");
      assert.equal(target, `${app}/tickets`, JSON.stringify(bad));
    }
  });

  test("next-auth's sign-in page and a callbackUrl cookie do not redirect off-site", async () => {
    for (const bad of BAD) {
      const res = await send(`/api/auth/signin?callbackUrl=${encodeURIComponent(bad)}`, { headers: { cookie: `next-auth.callback-url=${encodeURIComponent(bad)}` } });
      assert.ok(res.status < 500, `${JSON.stringify(bad)}: ${res.status}`);
      const location = res.headers.get("location") ?? "";
      const url = new URL(location, app);
      assert.equal(url.origin, app, `${JSON.stringify(bad)} → ${location}`);
      const callback = url.searchParams.get("callbackUrl");
      if (callback !== null) assert.ok(callback === `${app}/tickets` || callback === "/tickets", `${JSON.stringify(bad)} → ${callback}`);
    }
  });

  test("the login page sends a signed-in user only to same-origin paths", async () => {
    for (const bad of BAD) {
      const res = await send(`/login?callbackUrl=${encodeURIComponent(bad)}`, { headers: { cookie: alice } });
      assert.ok(res.status >= 300 && res.status < 400, `${JSON.stringify(bad)}: ${res.status}`);
      assert.equal(new URL(res.headers.get("location")!, app).href, `${app}/tickets`, JSON.stringify(bad));
    }
    const good = await send(`/login?callbackUrl=${encodeURIComponent(`/tickets/${ticketId}`)}`, { headers: { cookie: alice } });
    assert.equal(new URL(good.headers.get("location")!, app).pathname, `/tickets/${ticketId}`);
    // Signed out, the page renders; the form gets only the cleaned path (the browser test follows it).
    for (const bad of BAD) assert.equal((await send(`/login?callbackUrl=${encodeURIComponent(bad)}`)).status, 200, JSON.stringify(bad));
  });

  test("the login page says a plain failure for any error code in its URL, inherited object names included", async () => {
    for (const code of ["__proto__", "constructor", "hasOwnProperty", "toString", "valueOf", "NoSuchCode"]) {
      const res = await send(`/login?error=${encodeURIComponent(code)}`);
      assert.equal(res.status, 200, code);
      assert.match(res.text, /Sign-in failed\. Try again\./, code);
      assert.doesNotMatch(res.text, /\[object /, code);
    }
    assert.match((await send("/login?error=CredentialsSignin")).text, /Incorrect email or password\./);
  });
});

describe("attachments", () => {
  test("active types are stored and served as application/octet-stream; inert ones keep their type", async () => {
    const cases: Array<[string, string, string]> = [
      ["page.html", "text/html", "application/octet-stream"],
      ["page.html", "text/html; charset=utf-8", "application/octet-stream"],
      ["image.svg", "image/svg+xml", "application/octet-stream"],
      ["feed.xml", "text/xml", "application/octet-stream"],
      ["x.xhtml", "application/xhtml+xml", "application/octet-stream"],
      ["x.js", "application/javascript", "application/octet-stream"],
      ["x.css", "text/css", "application/octet-stream"],
      ["x.png", "image/png", "image/png"],
      ["x.pdf", "application/pdf", "application/pdf"],
      ["x.txt", "text/plain", "text/plain"],
    ];
    for (const [name, claimed, served] of cases) {
      const upload = multipart(name, claimed, "<script>alert(document.domain)</script>");
      const res = await send(`/api/tickets/${ticketId}/attachments`, { method: "POST", headers: { cookie: alice, "content-type": upload.type }, body: upload.body });
      assert.equal(res.status, 201, res.text);
      const dto = res.json as { id: string; contentType: string };
      assert.equal(dto.contentType, served, `${claimed} stored`);
      const download = await send(`/api/attachments/${dto.id}`, { headers: { cookie: alice } });
      assert.equal(download.headers.get("content-type"), served, `${claimed} served`);
      assert.match(download.headers.get("content-disposition") ?? "", /^attachment;/);
    }
  });
});

describe("/api/ready", () => {
  const outside = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === "IPv4")?.address;

  test("gives details to this host, and status only to proxied requests", async () => {
    const local = await send("/api/ready");
    assert.equal((local.json as { pid: number }).pid, server.proc.pid);
    const proxied = await send("/api/ready", { headers: { "x-forwarded-for": "203.0.113.9" } });
    assert.deepEqual(proxied.json, { status: "ok" });
    const nginx = await startNginx({ upstreams: [server.port, server.port] });
    try {
      assert.deepEqual((await send("/api/ready", { base: nginx.url })).json, { status: "ok" }, "through nginx, from 127.0.0.1");
    } finally {
      await nginx.kill();
    }
  });

  test("gives status only to other addresses, even one claiming to be local, unless it brings READY_TOKEN", async () => {
    assert.ok(outside, "this test needs a non-loopback IPv4 interface to connect from");
    const base = `http://${outside}:${server.port}`;
    assert.deepEqual((await send("/api/ready", { base })).json, { status: "ok" });
    assert.deepEqual((await send("/api/ready", { base, headers: { "x-tandem-remote-addr": "127.0.0.1" } })).json, { status: "ok" });
    assert.deepEqual((await send("/api/ready", { base, headers: { authorization: "Bearer wrong-token-of-some-length" } })).json, { status: "ok" });
    const withToken = await send("/api/ready", { base, headers: { authorization: `Bearer ${READY_TOKEN}` } });
    assert.equal((withToken.json as { pid: number }).pid, server.proc.pid);
  });
});

describe("behind TLS (APP_URL https://…)", () => {
  test("responses carry HSTS and upgrade-insecure-requests, and only the https origin may post", async () => {
    const port = await freePort();
    const secure = await startServer({ port, env: { APP_URL: `https://127.0.0.1:${port}` } });
    try {
      const page = await send("/login", { base: secure.url });
      assert.equal(page.headers.get("strict-transport-security"), "max-age=63072000");
      assert.match(page.headers.get("content-security-policy")!, /upgrade-insecure-requests/);
      const api404 = await send("/api/no-such-route", { base: secure.url });
      assert.equal(api404.headers.get("strict-transport-security"), "max-age=63072000");
      const post = (origin: string) => send("/api/tickets", { base: secure.url, method: "POST", headers: { origin, "content-type": "application/json" }, body: "{}" });
      assert.equal((await post(`http://127.0.0.1:${port}`)).status, 403, "the plain-http origin is another origin");
      assert.equal((await post(`https://127.0.0.1:${port}`)).status, 401, "the https origin gets through to the handler (signed out)");
    } finally {
      await secure.stop();
    }
  });
});
