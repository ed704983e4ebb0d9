/**
 * The shipped deployment files: nginx.conf, deploy/nginx-https.conf, haproxy.cfg and
 * ecosystem.config.js.
 *
 * Besides the syntax checks (nginx.conf exactly as shipped, as root on Debian), nginx and
 * HAProxy are really started through tests/helpers/proxies.ts: in the foreground on
 * 127.0.0.1, the shipped files copied with their runtime paths moved to a temp dir and
 * their ports rewritten to free ones, in front of two fake app processes (plain http
 * servers in this process). A missing binary fails the run instead of skipping it: a
 * green run must mean the configs work. tests/scale runs them in front of the real app.
 *
 * Run: node --import tsx --test tests/deploy/configs.test.ts
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import http from "node:http";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import {
  HAPROXY_CFG,
  type Haproxy,
  NGINX_CONF,
  NGINX_PATHS,
  type Nginx,
  requireBinary,
  ROOT,
  startHaproxy,
  startNginx,
} from "../helpers/proxies";
import { parseEnv } from "../../src/server/env";
import { freePort } from "../helpers/services";
import { NODE_ARGS, processEnv } from "../../src/server/process-options.cjs";
import { PING_INTERVAL_MS, PING_TIMEOUT_MS, SHUTDOWN_GRACE_MS } from "../../src/server/timeouts";

const NGINX_HTTPS_CONF = path.join(ROOT, "deploy", "nginx-https.conf");

/** MAX_UPLOAD_MB's default, from the app's own env parsing (the contract says 10). */
const DEFAULT_MAX_UPLOAD_MB = parseEnv({} as NodeJS.ProcessEnv).MAX_UPLOAD_MB;
/** A Socket.IO connection may sit idle this long between heartbeats. */
const PING_ROUND_MS = PING_INTERVAL_MS + PING_TIMEOUT_MS;

const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------
// helpers

interface FakeApp {
  id: number;
  port: number;
  server: http.Server;
}

interface Echo {
  id: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
}

/** Stands in for one server.ts process: echoes what reached it, plus a few Next-like routes. */
async function startFakeApp(id: number): Promise<FakeApp> {
  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on("data", (chunk: Buffer) => {
      bodyBytes += chunk.length;
    });
    req.on("end", () => {
      const url = req.url ?? "/";
      if (url.startsWith("/_next/static/missing")) {
        res.writeHead(404, { "content-type": "text/plain", "cache-control": "no-cache" });
        res.end("not found");
        return;
      }
      const headers: http.OutgoingHttpHeaders = { "content-type": "application/json" };
      // What Next sends would not matter: nginx must replace it for hashed assets.
      if (url.startsWith("/_next/static/")) headers["cache-control"] = "public, max-age=0";
      const echo: Echo = { id, method: req.method ?? "", url, headers: req.headers, bodyBytes };
      res.writeHead(200, headers);
      res.end(JSON.stringify(url === "/api/health" ? { status: "ok", ...echo } : echo));
    });
  });
  // Minimal stand-in for engine.io's WebSocket upgrade: accept, then echo raw bytes.
  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
    if (!req.url?.startsWith("/socket.io/")) {
      socket.destroy();
      return;
    }
    // HAProxy checks the accept token (RFC 6455 4.2.2) and answers 502 without it.
    const accept = createHash("sha1")
      .update(`${req.headers["sec-websocket-key"] ?? ""}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest("base64");
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.on("error", () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { id, port: (server.address() as net.AddressInfo).port, server };
}

function stopFakeApp(app: FakeApp): Promise<void> {
  return new Promise((resolve) => {
    app.server.close(() => resolve());
    app.server.closeAllConnections();
  });
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  port: number,
  options: { method?: string; path?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "GET",
        path: options.path ?? "/",
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`request to :${port}${options.path ?? "/"} timed out`)));
    req.on("error", reject);
    // With Expect: 100-continue the body is sent only if the proxy asks for it.
    req.on("continue", () => req.end(options.body));
    if (options.headers?.expect === "100-continue") req.flushHeaders();
    else req.end(options.body);
  });
}

async function echoOf(port: number, options: Parameters<typeof request>[1] = {}): Promise<Echo> {
  const reply = await request(port, options);
  assert.equal(reply.status, 200, `unexpected status ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as Echo;
}

/** Upgrades like a Socket.IO client would and checks that bytes flow both ways. */
function websocketEcho(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: "127.0.0.1",
      port,
      path: "/socket.io/?EIO=4&transport=websocket",
      agent: false,
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`WebSocket echo through :${port} timed out`));
    }, 10_000);
    req.on("response", (res) => {
      clearTimeout(timer);
      reject(new Error(`expected 101, got ${res.statusCode}`));
    });
    req.on("upgrade", (_res, socket: net.Socket, head: Buffer) => {
      let received = head.toString("utf8");
      const done = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(received);
      };
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("utf8");
        if (received.length >= 4) done();
      });
      socket.write("ping");
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

// ---------------------------------------------------------------------------------------
// syntax checks

test("nginx.conf passes `nginx -t -c <repo>/nginx.conf` as shipped, without -p", () => {
  const nginx = requireBinary("nginx");
  // The shipped paths are Debian's (/run, /var/log/nginx, /var/lib/nginx), written by root.
  assert.equal(process.getuid?.(), 0, "this check runs nginx -t on the shipped file as root, like a Debian admin; run the tests as root (CI does)");
  const result = spawnSync(nginx, ["-t", "-c", NGINX_CONF], { encoding: "utf8" });
  assert.equal(result.status, 0, `nginx -t failed:\n${result.stderr}`);
  assert.match(result.stderr, /test is successful/);
});

test("nginx.conf uses only absolute runtime paths, each of which the tests move", () => {
  const text = fs.readFileSync(NGINX_CONF, "utf8").replace(/#.*$/gm, "");
  const directives = [...text.matchAll(/^\s*(pid|error_log|access_log|\w+_temp_path)\s+(\S+?);?(\s|$)/gm)].map((m) => m[2]!);
  assert.ok(directives.length >= 8, `expected pid, logs and temp paths, found ${directives.join(", ")}`);
  for (const p of directives) {
    assert.ok(path.isAbsolute(p), `${p} is relative: nginx would need -p`);
    assert.ok(p in NGINX_PATHS, `${p} is not rewritten by tests/helpers/proxies.ts`);
  }
});

test("haproxy.cfg passes `haproxy -c`", () => {
  const haproxy = requireBinary("haproxy");
  const result = spawnSync(haproxy, ["-c", "-f", HAPROXY_CFG], { cwd: ROOT, encoding: "utf8" });
  assert.equal(result.status, 0, `haproxy -c failed:\n${result.stdout}${result.stderr}`);
});

// ---------------------------------------------------------------------------------------
// ecosystem.config.js

interface Pm2App {
  name: string;
  cwd: string;
  script: string;
  interpreter: string;
  node_args: string;
  exec_mode: string;
  instances: number;
  wait_ready: boolean;
  listen_timeout: number;
  kill_timeout: number;
  max_memory_restart: string;
  out_file: string;
  error_file: string;
  env: Record<string, string>;
}

/** Loads the file in a clean `node` (no tsx, no PM2), exactly as deploy.sh does. */
function loadEcosystem(env: Record<string, string> = {}): { status: number | null; stderr: string; config?: { apps: Pm2App[]; ports: number[] } } {
  const base: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME };
  const result = spawnSync(
    process.execPath,
    ["-e", 'process.stdout.write(JSON.stringify(require("./ecosystem.config.js")))'],
    { cwd: ROOT, env: { ...base, ...env } as NodeJS.ProcessEnv, encoding: "utf8" },
  );
  if (result.status !== 0) return { status: result.status, stderr: result.stderr };
  return { status: 0, stderr: result.stderr, config: JSON.parse(result.stdout) as { apps: Pm2App[]; ports: number[] } };
}

test("ecosystem.config.js: fork-mode apps on consecutive ports, waiting for ready", () => {
  const loaded = loadEcosystem({
    NEXTAUTH_SECRET: "a-secret-of-at-least-16",
    REDIS_URL: "redis://127.0.0.1:6379",
    SMTP_URL: "smtp://user:pass@smtp.example.com:587",
    MAIL_DELAY_SECONDS: "60",
  });
  assert.equal(loaded.status, 0, loaded.stderr);
  const { apps, ports } = loaded.config!;

  assert.deepEqual(ports, [3001, 3002]);
  assert.deepEqual(apps.map((a) => a.name), ["tandem-1", "tandem-2"]);
  apps.forEach((app, i) => {
    // Cluster mode breaks Socket.IO long-polling (socket.io#4881).
    assert.equal(app.exec_mode, "fork");
    assert.equal(app.instances, 1);
    assert.equal(app.env.PORT, String(ports[i]));
    assert.equal(app.env.NODE_ENV, "production");
    // The compiled server: no TypeScript compiler at start-up.
    assert.equal(app.script, "dist/server.js");
    assert.equal(app.interpreter, "node");
    assert.doesNotMatch(app.node_args, /tsx/);
    // The process options every server runs with (src/server/process-options.cjs).
    assert.equal(app.node_args, NODE_ARGS.join(" "));
    assert.equal(app.env.MALLOC_ARENA_MAX, "8");
    assert.equal(app.cwd, ROOT);
    assert.equal(app.wait_ready, true);
    assert.ok(app.listen_timeout >= 60_000, "start-up runs migrations");
    // Above the app's graceful shutdown, so PM2 does not SIGKILL a draining process.
    assert.ok(app.kill_timeout > SHUTDOWN_GRACE_MS, `kill_timeout ${app.kill_timeout} <= ${SHUTDOWN_GRACE_MS}`);
    assert.ok(app.max_memory_restart);
    assert.ok(app.out_file.startsWith(path.join(ROOT, "logs")));
    assert.ok(app.error_file.startsWith(path.join(ROOT, "logs")));
    assert.equal(app.env.NEXTAUTH_SECRET, "a-secret-of-at-least-16", "env is passed through");
    assert.equal(app.env.REDIS_URL, "redis://127.0.0.1:6379");
    assert.equal(app.env.SMTP_URL, "smtp://user:pass@smtp.example.com:587", "mail settings are passed through");
    assert.equal(app.env.MAIL_DELAY_SECONDS, "60");
    assert.equal(app.env.HOST, "127.0.0.1", "app ports stay on loopback behind the proxy");
    assert.equal(app.env.DATABASE_URL, undefined, "unset variables are not invented");
  });

  // The proxies' upstream lists are written for the default ports.
  for (const file of [NGINX_CONF, HAPROXY_CFG]) {
    const text = fs.readFileSync(file, "utf8");
    for (const port of ports) assert.ok(text.includes(`127.0.0.1:${port}`), `${path.basename(file)} lacks port ${port}`);
  }
});

test("npm start runs the server with the same process options as PM2, the tests and the benchmark", () => {
  const start = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start!;
  assert.match(start, /node (\S+ )*dist\/server\.js$/);
  const options = /node ((?:--\S+ )*)dist\/server\.js$/.exec(start)![1]!.trim().split(" ");
  assert.deepEqual(options, NODE_ARGS, start);
  // Set unless the operator set it.
  assert.match(start, /MALLOC_ARENA_MAX=\$\{MALLOC_ARENA_MAX:-8\} /);
  assert.deepEqual(processEnv({}), { MALLOC_ARENA_MAX: "8" });
  assert.deepEqual(processEnv({ MALLOC_ARENA_MAX: "4" }), { MALLOC_ARENA_MAX: "4" });
});

test("the production build reads Prisma's query compiler from a file in dist/, not from a 2.6 MB module", () => {
  const QUERY_COMPILER_FILE = "query-compiler.wasm.base64"; // scripts/build-state.mjs
  // scripts/build-server.mjs: the generated client's import of the base64
  // module is served from dist/ instead (start-up CPU and 5 MB of heap).
  const server = fs.readFileSync(path.join(ROOT, "dist", "server.js"), "utf8");
  assert.ok(!server.includes('import("@prisma/client/runtime/query_compiler_bg.postgresql.wasm-base64.js")'), "dist/server.js imports the base64 module");
  assert.ok(server.includes(QUERY_COMPILER_FILE));
  const { wasm } = createRequire(__filename)("@prisma/client/runtime/query_compiler_bg.postgresql.wasm-base64.js") as { wasm: string };
  assert.ok(wasm.length > 1_000_000);
  assert.equal(fs.readFileSync(path.join(ROOT, "dist", QUERY_COMPILER_FILE), "latin1"), wasm, "dist's copy differs from the installed Prisma's");
});

test("ecosystem.config.js follows INSTANCES and BASE_PORT, and rejects nonsense", () => {
  const loaded = loadEcosystem({ INSTANCES: "3", BASE_PORT: "4001", HOST: "0.0.0.0" });
  assert.equal(loaded.status, 0, loaded.stderr);
  const { apps, ports } = loaded.config!;
  assert.deepEqual(ports, [4001, 4002, 4003]);
  assert.deepEqual(apps.map((a) => [a.name, a.env.PORT]), [
    ["tandem-1", "4001"],
    ["tandem-2", "4002"],
    ["tandem-3", "4003"],
  ]);
  assert.ok(apps.every((a) => a.env.HOST === "0.0.0.0"));

  const bad = loadEcosystem({ INSTANCES: "two" });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /INSTANCES must be a positive integer/);
});

// ---------------------------------------------------------------------------------------
// upload limit

function bodyLimitMiB(file: string): number {
  const text = fs.readFileSync(file, "utf8");
  const matches = [...text.matchAll(/^\s*client_max_body_size\s+(\d+)([kKmM]?);/gm)];
  assert.ok(matches.length > 0, `${path.basename(file)} sets no client_max_body_size`);
  const values = matches.map(([, n, unit]) => {
    const size = Number(n);
    if (unit === "m" || unit === "M") return size;
    if (unit === "k" || unit === "K") return size / 1024;
    return size / MiB;
  });
  assert.ok(values.every((v) => v === values[0]), `${path.basename(file)} sets differing body limits`);
  return values[0]!;
}

test("client_max_body_size fits MAX_UPLOAD_MB's default plus multipart overhead", () => {
  assert.equal(DEFAULT_MAX_UPLOAD_MB, 10, "the contract's default");
  for (const file of [NGINX_CONF, NGINX_HTTPS_CONF]) {
    const limit = bodyLimitMiB(file);
    // A file of exactly MAX_UPLOAD_MB must pass with its multipart framing, but the
    // proxy should not accept bodies far beyond what the app will take.
    assert.ok(limit > DEFAULT_MAX_UPLOAD_MB, `${path.basename(file)}: ${limit}m leaves no room for multipart overhead`);
    assert.ok(limit <= DEFAULT_MAX_UPLOAD_MB + 2, `${path.basename(file)}: ${limit}m is far above MAX_UPLOAD_MB`);
  }
});

// ---------------------------------------------------------------------------------------
// timeouts for long-lived Socket.IO connections

/** A duration in nginx or HAProxy syntax (`120s`, `1h`, `500ms`, bare = seconds for nginx, ms for HAProxy). */
function durationMs(value: string, bare: "s" | "ms"): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  assert.ok(m, `unreadable duration ${value}`);
  const unit = m[2] ?? bare;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
}

/** The directives of nginx.conf's `location /socket.io/ { … }` block. */
function socketIoLocation(): string {
  const text = fs.readFileSync(NGINX_CONF, "utf8");
  const m = /location\s+\/socket\.io\/\s*\{([^}]*)\}/.exec(text);
  assert.ok(m, "nginx.conf has no location /socket.io/ block");
  return m[1]!;
}

test("nginx keeps Socket.IO connections open past a heartbeat round and streams them unbuffered", () => {
  const block = socketIoLocation();
  for (const directive of ["proxy_read_timeout", "proxy_send_timeout"]) {
    const m = new RegExp(`^\\s*${directive}\\s+(\\S+);`, "m").exec(block);
    assert.ok(m, `location /socket.io/ sets no ${directive} (nginx's default 60 s is too close to a ping round)`);
    const ms = durationMs(m[1]!, "s");
    assert.ok(ms > PING_ROUND_MS, `${directive} ${m[1]} must exceed pingInterval + pingTimeout (${PING_ROUND_MS} ms)`);
  }
  assert.match(block, /^\s*proxy_buffering\s+off;/m);
  // The upgrade headers are set once for the server; a location setting any
  // proxy_set_header of its own would silently drop them.
  assert.doesNotMatch(block, /proxy_set_header/);
  const conf = fs.readFileSync(NGINX_CONF, "utf8");
  assert.match(conf, /^\s*proxy_http_version\s+1\.1;/m);
  assert.match(conf, /^\s*proxy_set_header\s+Upgrade\s+\$http_upgrade;/m);
  assert.match(conf, /^\s*proxy_set_header\s+Connection\s+\$connection_upgrade;/m);
  assert.match(conf, /map\s+\$http_upgrade\s+\$connection_upgrade\s*\{/);
});

test("HAProxy's tunnel, client and server timeouts outlast a heartbeat round", () => {
  const text = fs.readFileSync(HAPROXY_CFG, "utf8");
  for (const name of ["tunnel", "client", "server"]) {
    const values = [...text.matchAll(new RegExp(`^\\s*timeout\\s+${name}\\s+(\\S+)`, "gm"))].map((m) => m[1]!);
    assert.ok(values.length > 0, `haproxy.cfg sets no timeout ${name}`);
    for (const v of values) {
      // A long-polling GET is held for up to pingInterval; a WebSocket idles for up to a ping round.
      const floor = name === "tunnel" ? PING_ROUND_MS : PING_INTERVAL_MS;
      assert.ok(durationMs(v, "ms") > floor, `timeout ${name} ${v} must exceed ${floor} ms`);
    }
  }
});

// ---------------------------------------------------------------------------------------
// live run

test("nginx and HAProxy run the shipped configs on loopback and stop cleanly", { timeout: 90_000 }, async (t) => {
  requireBinary("nginx");
  requireBinary("haproxy");
  const apps: FakeApp[] = [];
  let nginx: Nginx | undefined;
  let haproxy: Haproxy | undefined;

  try {
    apps.push(await startFakeApp(1), await startFakeApp(2));
    const [app1, app2] = apps as [FakeApp, FakeApp];
    nginx = await startNginx({ upstreams: [app1.port, app2.port] });
    const nginxPort = nginx.port;

    await t.test("nginx forwards client, scheme and host", async () => {
      const echo = await echoOf(nginxPort, { path: "/api/health", headers: { host: "help.test" } });
      assert.equal(echo.headers.host, "help.test");
      assert.equal(echo.headers["x-forwarded-host"], "help.test");
      assert.equal(echo.headers["x-forwarded-proto"], "http");
      assert.equal(echo.headers["x-forwarded-for"], "127.0.0.1");
      assert.equal(echo.headers["x-real-ip"], "127.0.0.1");
    });

    await t.test("nginx keeps one client on one process", async () => {
      const ids = new Set<number>();
      for (let i = 0; i < 6; i++) ids.add((await echoOf(nginxPort, { path: `/socket.io/?EIO=4&transport=polling&i=${i}` })).id);
      assert.equal(ids.size, 1, "requests of one client reached different processes");
    });

    await t.test("nginx spreads clients reported by a trusted proxy, and keeps their scheme", async () => {
      const byClient = new Map<string, number>();
      for (let i = 1; i <= 24; i++) {
        const client = `203.0.113.${i}`;
        const headers = { "x-forwarded-for": client, "x-forwarded-proto": "https" };
        const first = await echoOf(nginxPort, { path: "/socket.io/?EIO=4&transport=polling", headers });
        const again = await echoOf(nginxPort, { path: "/socket.io/?EIO=4&transport=polling", headers });
        assert.equal(again.id, first.id, `client ${client} moved between processes`);
        assert.equal(first.headers["x-forwarded-proto"], "https", "scheme from the trusted proxy was lost");
        assert.equal(first.headers["x-real-ip"], client);
        assert.equal(first.headers["x-forwarded-for"], `${client}, 127.0.0.1`);
        byClient.set(client, first.id);
      }
      assert.deepEqual(new Set(byClient.values()), new Set([1, 2]), "all clients hashed to one process");
    });

    await t.test("nginx marks only successful hashed assets immutable", async () => {
      const asset = await request(nginxPort, { path: "/_next/static/chunks/app-0123abcd.js" });
      assert.equal(asset.status, 200);
      assert.equal(asset.headers["cache-control"], "public, max-age=31536000, immutable");
      const missing = await request(nginxPort, { path: "/_next/static/missing-0123abcd.js" });
      assert.equal(missing.status, 404);
      assert.equal(missing.headers["cache-control"], "no-store");
      const page = await request(nginxPort, { path: "/" });
      assert.equal(page.headers["cache-control"], undefined, "pages must not get the asset header");
    });

    await t.test("nginx passes an upload of MAX_UPLOAD_MB and refuses far larger ones", async () => {
      const body = Buffer.alloc(DEFAULT_MAX_UPLOAD_MB * MiB + 64 * 1024, 0x61);
      const echo = await echoOf(nginxPort, {
        method: "POST",
        path: "/api/attachments",
        headers: { "content-type": "application/octet-stream", "content-length": body.length },
        body,
      });
      assert.equal(echo.bodyBytes, body.length);
      const tooBig = await request(nginxPort, {
        method: "POST",
        path: "/api/attachments",
        headers: { "content-length": 12 * MiB, expect: "100-continue" },
        body: Buffer.alloc(12 * MiB),
      });
      assert.equal(tooBig.status, 413);
    });

    await t.test("nginx upgrades /socket.io/ to a WebSocket", async () => {
      assert.equal(await websocketEcho(nginxPort), "ping");
    });

    // HAProxy: fe_app in front of the fake apps, fe_nginx in front of the nginx above.
    haproxy = await startHaproxy({ upstreams: [app1.port, app2.port], nginxPort });
    const haproxyAppPort = haproxy.appPort;
    const haproxyNginxPort = haproxy.nginxFrontPort;

    await t.test("HAProxy pins cookie-less clients by address and hands out a cookie", async () => {
      const first = await request(haproxyAppPort, { path: "/socket.io/?EIO=4&transport=polling" });
      assert.equal(first.status, 200);
      const { id } = JSON.parse(first.body) as Echo;
      const setCookie = (first.headers["set-cookie"] ?? []).join("; ");
      assert.match(setCookie, new RegExp(`SERVERID=s${id}\\b`));
      for (let i = 0; i < 5; i++) {
        assert.equal((await echoOf(haproxyAppPort, { path: "/socket.io/?EIO=4&transport=polling" })).id, id);
      }
    });

    await t.test("HAProxy follows the SERVERID cookie and hides it from the app", async () => {
      for (const id of [1, 2, 1, 2]) {
        const echo = await echoOf(haproxyAppPort, { path: "/", headers: { cookie: `SERVERID=s${id}; theme=dark` } });
        assert.equal(echo.id, id);
        assert.equal(echo.headers.cookie, "theme=dark");
      }
    });

    await t.test("HAProxy sets the forwarded headers, overriding a client's claims", async () => {
      const echo = await echoOf(haproxyAppPort, {
        path: "/api/health",
        headers: { host: "help.test", "x-forwarded-proto": "https" },
      });
      assert.equal(echo.headers["x-forwarded-proto"], "http");
      assert.equal(echo.headers["x-forwarded-host"], "help.test");
      assert.match(String(echo.headers["x-forwarded-for"]), /(^|, )127\.0\.0\.1$/);
    });

    await t.test("HAProxy upgrades /socket.io/ to a WebSocket", async () => {
      assert.equal(await websocketEcho(haproxyAppPort), "ping");
    });

    await t.test("HAProxy in front of nginx reaches the app", async () => {
      const echo = await echoOf(haproxyNginxPort, { path: "/api/health", headers: { host: "help.test" } });
      assert.equal(echo.headers["x-forwarded-proto"], "http");
      assert.equal(echo.headers["x-forwarded-host"], "help.test");
      assert.equal(await websocketEcho(haproxyNginxPort), "ping");
    });

    await t.test("HAProxy redispatches a pinned client whose process is down", async () => {
      await stopFakeApp(app2);
      apps.pop();
      const echo = await echoOf(haproxyAppPort, { path: "/", headers: { cookie: "SERVERID=s2" } });
      assert.equal(echo.id, 1);
    });

    await t.test("both stop cleanly", async () => {
      // SIGUSR1: HAProxy's soft stop; SIGQUIT: nginx's graceful shutdown.
      const haproxyExit = await haproxy!.stop();
      assert.equal(haproxyExit.code, 0, `haproxy exit ${JSON.stringify(haproxyExit)}:\n${haproxy!.daemon.output()}`);
      const nginxExit = await nginx!.stop();
      assert.equal(nginxExit.code, 0, `nginx exit ${JSON.stringify(nginxExit)}:\n${nginx!.daemon.output()}`);
      assert.ok(fs.existsSync(path.join(nginx!.dir, "access.log")), "nginx did not log to the rewritten access log");
      assert.ok(!fs.existsSync(path.join(nginx!.dir, "nginx.pid")), "nginx left its pid file behind");
      const errors = nginx!.errorLog();
      assert.doesNotMatch(errors, /\[(emerg|alert|crit)\]/, errors);
    });
  } finally {
    await haproxy?.kill();
    await nginx?.kill();
    await Promise.all(apps.map(stopFakeApp));
  }
});

test("deploy.sh, run with npm and pm2 stubbed: what it and PM2 write is the owner's alone (PM2 saves the environment, secrets included)", async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-deploy-"));
  const bin = path.join(home, "bin");
  const pm2Home = path.join(home, ".pm2");
  fs.mkdirSync(bin);
  fs.mkdirSync(pm2Home);
  // A process list saved by an earlier PM2 with the usual umask.
  fs.writeFileSync(path.join(pm2Home, "dump.pm2"), "old", { mode: 0o644 });
  fs.chmodSync(path.join(pm2Home, "dump.pm2"), 0o644);
  const port = await freePort();
  fs.writeFileSync(path.join(bin, "npm"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  // pm2: `startOrReload` starts something that answers /api/health; `save` writes the environment, as PM2 does.
  fs.writeFileSync(
    path.join(bin, "pm2"),
    `#!/bin/sh
case "$1" in
  startOrReload) nohup node -e 'require("http").createServer((q, s) => s.end("ok")).listen(Number(process.env.BASE_PORT), "127.0.0.1")' >/dev/null 2>&1 &
    echo $! > "$PM2_HOME/fake.pid" ;;
  save) env > "$PM2_HOME/dump.pm2" ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
  const envFile = path.join(home, "tandem.env");
  fs.writeFileSync(envFile, `APP_URL=http://127.0.0.1:${port}\nNEXTAUTH_SECRET=deploy-test-secret-of-at-least-32-chars\nINSTANCES=1\nBASE_PORT=${port}\n`, { mode: 0o600 });
  try {
    const run = spawnSync("bash", [path.join(ROOT, "deploy", "deploy.sh")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 90_000,
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: home, PM2_HOME: pm2Home, TANDEM_ENV_FILE: envFile } as Record<string, string> as NodeJS.ProcessEnv,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const dump = path.join(pm2Home, "dump.pm2");
    assert.match(fs.readFileSync(dump, "utf8"), /NEXTAUTH_SECRET=deploy-test-secret/, "the saved list holds the secret, as PM2's does");
    assert.equal(fs.statSync(dump).mode & 0o777, 0o600);
    assert.equal(fs.statSync(pm2Home).mode & 0o077, 0, "PM2's home is the owner's");
    assert.equal(fs.statSync(path.join(ROOT, "logs")).mode & 0o077, 0, "the logs directory is the owner's");
  } finally {
    try {
      process.kill(Number(fs.readFileSync(path.join(pm2Home, "fake.pid"), "utf8")));
    } catch {
      /* never started */
    }
    fs.rmSync(home, { recursive: true, force: true });
  }
});
