/**
 * Behind a TLS-terminating proxy the browser holds next-auth's
 * `__Secure-next-auth.session-token`, and the app must look for that name in pages,
 * API routes and the Socket.IO handshake alike, or pages work while live updates
 * never connect. The app is on http (APP_URL http://…), so X-Forwarded-Proto alone
 * decides, and is checked:
 *
 * - directly on the app process, with and without `X-Forwarded-Proto: https`;
 * - through the shipped nginx.conf, which believes that header only from a trusted
 *   proxy on loopback (127.0.0.1) and overrides it for anyone else;
 * - end to end with real TLS: HAProxy's fe_nginx (shipped haproxy.cfg, its bind line
 *   given a throwaway certificate) → nginx → app, where the client sends no such
 *   header and HAProxy's `ssl_fc` rule sets it.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { io } from "socket.io-client";
import type { TicketDTO } from "../../src/shared/dto";
import { type ClientSocket, DEMO_PASSWORD, makeTempDir, startServer, type TestServer } from "../helpers/server";
import { freePort, type Haproxy, type Nginx, requireBinary, startHaproxy, startNginx } from "../helpers/proxies";

const SECURE = "__Secure-next-auth.session-token";
const PLAIN = "next-auth.session-token";
const HTTPS = { "x-forwarded-proto": "https" };

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };
type Via = { headers?: Record<string, string>; localAddress?: string; ca?: string };

/** One request with node:http(s): lets the tests pick the source address and trust a CA. */
function request(url: string, opts: Via & { method?: string; body?: string; cookie?: string } = {}): Promise<Reply> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: opts.method ?? "GET",
        agent: false,
        localAddress: opts.localAddress,
        ca: opts.ca,
        headers: {
          ...opts.headers,
          ...(opts.cookie ? { cookie: opts.cookie } : {}),
          ...(opts.body ? { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(opts.body) } : {}),
        },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${url} timed out`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}

type Session = { cookies: Map<string, string>; setCookie: string[]; header: string };

/** next-auth's credentials sign-in, as a browser's form does it. */
async function signIn(base: string, email: string, via: Via = {}): Promise<Session> {
  const cookies = new Map<string, string>();
  const setCookie: string[] = [];
  const absorb = (r: Reply) => {
    for (const line of r.headers["set-cookie"] ?? []) {
      setCookie.push(line);
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  const header = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await request(`${base}/api/auth/csrf`, via);
  assert.equal(csrf.status, 200, csrf.body);
  absorb(csrf);
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const res = await request(`${base}/api/auth/callback/credentials`, {
    ...via,
    method: "POST",
    cookie: header(),
    body: new URLSearchParams({ csrfToken, email, password: DEMO_PASSWORD, json: "true" }).toString(),
  });
  absorb(res);
  assert.ok([...cookies.keys()].some((k) => k.endsWith("session-token")), `sign-in failed: ${res.status} ${res.body}`);
  return { cookies, setCookie, header: header() };
}

/** `name=value` for the session token under `name`. */
function tokenCookie(session: Session, name: string): string {
  const value = session.cookies.get(SECURE) ?? session.cookies.get(PLAIN);
  assert.ok(value);
  return `${name}=${value}`;
}

const open: ClientSocket[] = [];

/** A socket.io-client handshake; resolves connected or rejects with the connect_error message. */
function connect(base: string, cookie: string, via: Via & { transports?: ("polling" | "websocket")[] } = {}): Promise<ClientSocket> {
  const socket: ClientSocket = io(base, {
    path: "/socket.io/",
    transports: via.transports ?? ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: 15_000,
    localAddress: via.localAddress,
    ca: via.ca,
    agent: via.localAddress ? (new http.Agent({ localAddress: via.localAddress }) as never) : undefined,
    extraHeaders: { cookie, ...via.headers },
  } as never);
  open.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (e) => reject(e));
  });
}

/**
 * What GET /tickets makes of a cookie: "signed in" (200, the page with its Sign out
 * button) or "login" (sent to /login: a 3xx, or, when Next has already started
 * streaming the page, a 200 carrying the redirect).
 */
async function ticketsPage(base: string, cookie: string, via: Via = {}): Promise<string> {
  const res = await request(`${base}/tickets`, { ...via, cookie });
  if (res.status === 200 && res.body.includes("Sign out")) return "signed in";
  if ([302, 303, 307].includes(res.status) && /^\/login/.test(res.headers.location ?? "")) return "login";
  if (res.status === 200 && /\/login\?callbackUrl/.test(res.body)) return "login";
  return `unexpected ${res.status} ${res.headers.location ?? ""}`;
}

let app: TestServer | undefined;
let nginx: Nginx | undefined;
let haproxy: Haproxy | undefined;
let certDir: string | undefined;

before(async () => {
  const port = await freePort();
  app = await startServer({ port, env: { APP_URL: `http://127.0.0.1:${port}` } });
});

after(async () => {
  for (const s of open.splice(0)) s.close();
  await haproxy?.kill();
  await nginx?.kill();
  if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
  assert.equal(await app?.stop(), 0);
});

describe("directly on the app", () => {
  test("X-Forwarded-Proto https: __Secure- cookie, and pages, API and sockets all accept it", async () => {
    const session = await signIn(app!.url, "alice@example.com", { headers: HTTPS });
    assert.ok(session.cookies.has(SECURE), `cookies: ${[...session.cookies.keys()].join(", ")}`);
    assert.ok(!session.cookies.has(PLAIN));
    assert.match(session.setCookie.find((l) => l.startsWith(`${SECURE}=`))!, /;\s*Secure/i);

    assert.equal(await ticketsPage(app!.url, session.header, { headers: HTTPS }), "signed in");
    const ticketRes = await fetch(`${app!.url}/api/tickets`, {
      method: "POST",
      headers: { ...HTTPS, cookie: session.header, "content-type": "application/json" },
      body: JSON.stringify({ title: "Secure cookie check", description: "Over https" }),
    });
    assert.equal(ticketRes.status, 201);
    const ticket = (await ticketRes.json()) as TicketDTO;

    for (const transports of [["websocket"], ["polling"]] as const) {
      const socket = await connect(app!.url, session.header, { headers: HTTPS, transports: [...transports] });
      const ack = await socket.timeout(10_000).emitWithAck("ticket:join", { ticketId: ticket.id });
      assert.equal(ack.ok, true, `${transports[0]}: ${JSON.stringify(ack)}`);
    }
  });

  test("the two names are not interchangeable: pages and sockets refuse the wrong one alike", async () => {
    const session = await signIn(app!.url, "alice@example.com", { headers: HTTPS });
    // The token under the plain name, while the request says https: refused everywhere.
    const misnamed = tokenCookie(session, PLAIN);
    await assert.rejects(connect(app!.url, misnamed, { headers: HTTPS }), (e: Error) => e.message === "unauthorized");
    assert.equal(await ticketsPage(app!.url, misnamed, { headers: HTTPS }), "login");
    // The __Secure- cookie on a plain-http request: refused everywhere too.
    await assert.rejects(connect(app!.url, session.header), (e: Error) => e.message === "unauthorized");
    assert.equal(await ticketsPage(app!.url, session.header), "login");
  });

  test("plain http: the plain cookie name, accepted by pages and sockets", async () => {
    const session = await signIn(app!.url, "agent@example.com");
    assert.ok(session.cookies.has(PLAIN) && !session.cookies.has(SECURE));
    assert.equal(await ticketsPage(app!.url, session.header), "signed in");
    assert.ok((await connect(app!.url, session.header)).connected);
  });
});

describe("through nginx", () => {
  before(async () => {
    nginx = await startNginx({ upstreams: [app!.port, app!.port] });
  });

  test("a trusted proxy's X-Forwarded-Proto https reaches the app: __Secure- cookie that pages and sockets accept", async () => {
    const session = await signIn(nginx!.url, "alice@example.com", { headers: HTTPS });
    assert.ok(session.cookies.has(SECURE), `cookies: ${[...session.cookies.keys()].join(", ")}`);
    assert.equal(await ticketsPage(nginx!.url, session.header, { headers: HTTPS }), "signed in");
    for (const transports of [["websocket"], ["polling"]] as const) {
      assert.ok((await connect(nginx!.url, session.header, { headers: HTTPS, transports: [...transports] })).connected);
    }
  });

  test("anyone else's X-Forwarded-Proto is overridden with the real scheme", async () => {
    const untrusted = { headers: HTTPS, localAddress: "127.0.0.2" };
    const session = await signIn(nginx!.url, "alice@example.com", untrusted);
    assert.ok(session.cookies.has(PLAIN) && !session.cookies.has(SECURE), `cookies: ${[...session.cookies.keys()].join(", ")}`);
    assert.equal(await ticketsPage(nginx!.url, session.header, untrusted), "signed in");
    assert.ok((await connect(nginx!.url, session.header, untrusted)).connected);
    // And a __Secure- cookie does not work for it: the request is plain http.
    await assert.rejects(connect(nginx!.url, tokenCookie(session, SECURE), untrusted), (e: Error) => e.message === "unauthorized");
  });
});

describe("real TLS: HAProxy (TLS) → nginx → app", () => {
  let ca: string;
  let base: string;
  before(async () => {
    certDir = makeTempDir("tandem-tls-");
    const key = path.join(certDir, "key.pem");
    const cert = path.join(certDir, "cert.pem");
    execFileSync(requireBinary("openssl"), [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
    ], { stdio: "pipe" });
    ca = fs.readFileSync(cert, "utf8");
    const pem = path.join(certDir, "haproxy.pem");
    fs.writeFileSync(pem, ca + fs.readFileSync(key, "utf8"));
    const tlsPort = await freePort();
    haproxy = await startHaproxy({
      upstreams: [app!.port, app!.port],
      nginxPort: nginx!.port,
      nginxFrontPort: tlsPort,
      // The bind line as haproxy.cfg's comment suggests for TLS, with a test certificate.
      edit: (cfg) => cfg.replace(`bind 127.0.0.1:${tlsPort}`, `bind 127.0.0.1:${tlsPort} ssl crt ${pem}`),
    });
    base = `https://127.0.0.1:${tlsPort}`;
  });

  test("the browser sends no forwarding header; HAProxy says https, and every layer agrees", async () => {
    const session = await signIn(base, "alice@example.com", { ca });
    assert.ok(session.cookies.has(SECURE), `cookies: ${[...session.cookies.keys()].join(", ")}`);
    assert.equal(await ticketsPage(base, session.header, { ca }), "signed in");
    for (const transports of [["websocket"], ["polling"]] as const) {
      assert.ok((await connect(base, session.header, { ca, transports: [...transports] })).connected, transports[0]);
    }
    await assert.rejects(connect(base, tokenCookie(session, PLAIN), { ca }), (e: Error) => e.message === "unauthorized");
  });
});
