import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { test } from "node:test";
import zlib from "node:zlib";
import { DIRECT_METHODS, DIRECT_ROUTE_PATTERNS, directRouteOf, serveDirect, type DirectRoute } from "./direct-routes";

const API = path.resolve(__dirname, "../../app/api");

/**
 * What Next keeps: next-auth's routes, file uploads and downloads (see
 * direct-routes.ts), and the catch-all that answers unknown API paths.
 */
const LEFT_TO_NEXT = new Set([
  "/api/auth/:...nextauth GET",
  "/api/auth/:...nextauth POST",
  "/api/tickets/:id/attachments POST",
  "/api/attachments/:id GET",
  ...DIRECT_METHODS.map((m) => `/api/:...path ${m}`),
]);

/** Every route file under src/app/api with the methods its source exports (of those that may be direct). */
function routeFiles(dir = API): { pattern: string; methods: string[] }[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    if (entry.name !== "route.ts") return [];
    const pattern = `/api/${path.relative(API, path.dirname(full))}`.replace(/\/$/, "").replace(/\[(\.\.\.)?(\w+)\]/g, (_, rest: string | undefined, name: string) => `:${rest ?? ""}${name}`);
    const source = fs.readFileSync(full, "utf8");
    const methods = DIRECT_METHODS.filter((m) => new RegExp(`export (const ${m}\\b|async function ${m}\\b|\\{[^}]*\\b${m}\\b)`).test(source));
    return [{ pattern, methods }];
  });
}

test("the table serves every route under src/app/api except those left to Next, and nothing else", () => {
  const expected = routeFiles()
    .map(({ pattern, methods }) => ({ pattern, methods: methods.filter((m) => !LEFT_TO_NEXT.has(`${pattern} ${m}`)) }))
    .filter(({ methods }) => methods.length > 0)
    .sort((a, b) => a.pattern.localeCompare(b.pattern));
  const table = [...DIRECT_ROUTE_PATTERNS].sort((a, b) => a.pattern.localeCompare(b.pattern));
  assert.ok(expected.length >= 20, "the route files were found");
  assert.deepEqual(table, expected);
  // The exclusions name real routes (a renamed one would silently turn direct).
  const all = new Set(routeFiles().flatMap(({ pattern, methods }) => methods.map((m) => `${pattern} ${m}`)));
  for (const left of LEFT_TO_NEXT) assert.ok(all.has(left), `${left} exists`);
});

test("a route is matched by path alone, its parameters decoded; downloads, uploads, unknown paths and methods go to Next", () => {
  const route = directRouteOf("POST", "/api/tickets/abc%20d/comments?x=1");
  assert.ok(route);
  assert.deepEqual(route.params, { id: "abc d" });
  assert.deepEqual(directRouteOf("PATCH", "/api/tickets/t1")?.params, { id: "t1" });
  assert.deepEqual(directRouteOf("GET", "/api/tickets/t1/comments")?.params, { id: "t1" });
  assert.deepEqual(directRouteOf("GET", "/api/tickets/t1/attachments")?.params, { id: "t1" }, "the list of a ticket's files");
  assert.ok(directRouteOf("GET", "/api/ready"));
  assert.equal(directRouteOf("GET", "/api/attachments/a1"), null, "a download");
  assert.equal(directRouteOf("GET", "/api/auth/session"), null);
  assert.equal(directRouteOf("GET", "/tickets"), null, "a page");
  assert.equal(directRouteOf("HEAD", "/api/tickets"), null);
  assert.equal(directRouteOf("OPTIONS", "/api/tickets"), null);
  assert.equal(directRouteOf("DELETE", "/api/tickets"), null, "a method the route does not export: Next answers 405");
  assert.equal(directRouteOf("POST", "/api/tickets/t1/attachments"), null);
  assert.equal(directRouteOf("POST", "/api/auth/callback/credentials"), null);
  assert.equal(directRouteOf("POST", "/api/tickets/t1/comments/extra"), null);
  assert.equal(directRouteOf("POST", "/tickets/t1/comments"), null);
  assert.equal(directRouteOf("POST", "/api/tickets/%E0%A4%A/comments"), null, "undecodable: left to Next's refusal");
  assert.equal(directRouteOf(undefined, undefined), null);
});

/** A real server whose every request is served by `handler` through serveDirect. */
async function withServer(handler: DirectRoute["handler"], run: (port: number) => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => void serveDirect({ handler, params: { id: "t1" } }, req, res, "http://tandem.test"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    await run((server.address() as net.AddressInfo).port);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function send(port: number, body: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ port, host: "127.0.0.1", method: "POST", path: "/api/tickets/t1/comments?draft=1", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("the handler gets the request as Next gives it; its Response is written whole, each cookie apart, with its length", async () => {
  let seen: { method: string; url: string; cookie: string | null; type: string | null; body: string; params: unknown } | undefined;
  await withServer(
    async (req, ctx) => {
      seen = { method: req.method, url: req.url, cookie: req.headers.get("cookie"), type: req.headers.get("content-type"), body: await req.text(), params: await ctx.params };
      const res = Response.json({ ok: "é" }, { status: 201, headers: { "X-Thing": "1" } });
      res.headers.append("Set-Cookie", "a=1; Path=/");
      res.headers.append("Set-Cookie", "b=2; Path=/; HttpOnly");
      return res;
    },
    async (port) => {
      const body = JSON.stringify({ body: "ü".repeat(50_000) });
      const res = await send(port, body, { cookie: "s=1; t=2", "content-type": "application/json" });
      assert.deepEqual(seen, { method: "POST", url: "http://tandem.test/api/tickets/t1/comments?draft=1", cookie: "s=1; t=2", type: "application/json", body, params: { id: "t1" } });
      assert.equal(res.status, 201);
      assert.equal(res.body, '{"ok":"é"}');
      assert.equal(res.headers["content-length"], String(Buffer.byteLength(res.body)));
      assert.equal(res.headers["x-thing"], "1");
      assert.match(String(res.headers["content-type"]), /^application\/json/);
      assert.deepEqual(res.headers["set-cookie"], ["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
    },
  );
});

test("a handler that throws is a 500 with the API's error shape, and the server goes on", async () => {
  let calls = 0;
  await withServer(
    async () => {
      if (++calls === 1) throw new Error("boom");
      return new Response(null, { status: 204 });
    },
    async (port) => {
      const first = await send(port, "{}");
      assert.equal(first.status, 500);
      assert.deepEqual(JSON.parse(first.body), { error: { code: "INTERNAL", message: "Something went wrong" } });
      assert.equal((await send(port, "{}")).status, 204);
    },
  );
});

test("a Response whose body fails while it is read is a 500, and the server goes on", async () => {
  let calls = 0;
  await withServer(
    async () => {
      if (++calls > 1) return Response.json({ ok: true });
      const failing = new ReadableStream<Uint8Array>({
        pull: () => Promise.reject(new Error("disk gone")),
      });
      return new Response(failing, { status: 200, headers: { "Content-Type": "application/json" } });
    },
    async (port) => {
      const first = await send(port, "{}");
      assert.equal(first.status, 500);
      assert.deepEqual(JSON.parse(first.body), { error: { code: "INTERNAL", message: "Something went wrong" } });
      assert.equal((await send(port, "{}")).status, 200);
    },
  );
});

/** Requests on one kept-alive connection, one after another. */
function onOneConnection(port: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  const post = (body: string, timeoutMs = 5_000) =>
    new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = http.request({ port, host: "127.0.0.1", method: "POST", path: "/api/tickets/t1/comments", agent, headers: { "content-length": String(Buffer.byteLength(body)) } }, (res) => {
        sockets.add(req.socket);
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  return { post, connections: () => sockets.size, close: () => agent.destroy() };
}

test("a body the handler never reads (a 401) is discarded: the connection's next request is answered", async () => {
  await withServer(
    async (req) => (req.headers.get("content-length") === "2" ? Response.json({ read: await req.text() }) : Response.json({ error: "unauthorized" }, { status: 401 })),
    async (port) => {
      const conn = onOneConnection(port);
      try {
        const first = await conn.post("x".repeat(500_000));
        assert.deepEqual(first, { status: 401, connection: "keep-alive" });
        assert.equal((await conn.post("{}")).status, 200);
        assert.equal(conn.connections(), 1, "both on the one connection");
      } finally {
        conn.close();
      }
    },
  );
});

test("a body read in part (refused midway) closes the connection; the next request gets a new one", async () => {
  await withServer(
    async (req) => {
      const reader = req.body!.getReader();
      const { value } = await reader.read();
      if (req.headers.get("content-length") === "2") return Response.json({ first: value?.byteLength });
      reader.releaseLock(); // as json-body.ts does past its limit
      return Response.json({ error: "too large" }, { status: 413 });
    },
    async (port) => {
      const conn = onOneConnection(port);
      try {
        assert.deepEqual(await conn.post("x".repeat(2_000_000)), { status: 413, connection: "close" });
        assert.equal((await conn.post("{}")).status, 200);
      } finally {
        conn.close();
      }
    },
  );
});

/** A GET on the given port, its body decoded as the server encoded it. */
function get(port: number, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; raw: Buffer; body: string }>((resolve, reject) => {
    const req = http.request({ port, host: "127.0.0.1", method: "GET", path: "/api/tickets/t1/events", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const encoding = res.headers["content-encoding"];
        const body = encoding === "gzip" ? zlib.gunzipSync(raw) : encoding === "br" ? zlib.brotliDecompressSync(raw) : encoding === "deflate" ? zlib.inflateSync(raw) : raw;
        resolve({ status: res.statusCode!, headers: res.headers, raw, body: body.toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

test("a read is compressed as Next compresses: above 1 KB in the encoding the client prefers, else as it is with its length", async () => {
  const big = { items: Array.from({ length: 200 }, (_, i) => ({ seq: i, type: "comment:added" })) };
  let size = "big";
  await withServer(
    async (req) => {
      assert.equal(req.method, "GET");
      assert.equal(req.body, null, "a GET has no body");
      return Response.json(size === "big" ? big : { ok: true });
    },
    async (port) => {
      const gzip = await get(port, { "accept-encoding": "gzip, deflate" });
      assert.equal(gzip.status, 200);
      assert.equal(gzip.headers["content-encoding"], "gzip");
      assert.match(String(gzip.headers.vary), /Accept-Encoding/i);
      assert.deepEqual(JSON.parse(gzip.body), big);
      assert.ok(gzip.raw.length < Buffer.byteLength(JSON.stringify(big)) / 4, "compressed");

      const br = await get(port, { "accept-encoding": "gzip, deflate, br" });
      assert.equal(br.headers["content-encoding"], "br");
      assert.deepEqual(JSON.parse(br.body), big);

      const plain = await get(port);
      assert.equal(plain.headers["content-encoding"], undefined, "no Accept-Encoding, no compression");
      assert.equal(plain.headers["content-length"], String(plain.raw.length));
      assert.deepEqual(JSON.parse(plain.body), big);

      size = "small";
      const small = await get(port, { "accept-encoding": "gzip" });
      assert.equal(small.headers["content-encoding"], undefined, "under 1 KB: as it is");
      assert.equal(small.headers["content-length"], String(small.raw.length));
      assert.deepEqual(JSON.parse(small.body), { ok: true });
    },
  );
});

test("a GET with a body (which HTTP gives no meaning) is answered, and the connection's next request too", async () => {
  await withServer(
    async (req) => Response.json({ method: req.method }),
    async (port) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let i = 0; i < 2; i++) {
          const status = await new Promise<number>((resolve, reject) => {
            const req = http.request({ port, host: "127.0.0.1", method: "GET", path: "/api/tickets", agent, headers: { "content-length": "5000" } }, (res) => {
              res.resume();
              res.on("end", () => resolve(res.statusCode!));
            });
            req.setTimeout(5_000, () => req.destroy(new Error("no answer")));
            req.on("error", reject);
            req.end("x".repeat(5000));
          });
          assert.equal(status, 200);
        }
      } finally {
        agent.destroy();
      }
    },
  );
});
