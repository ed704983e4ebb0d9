/**
 * Real Socket.IO clients through the shipped proxies, in front of two app processes
 * (PostgreSQL + Redis, ports as ecosystem.config.js assigns them):
 *
 *   edge ─┬─▶ nginx (nginx.conf)                         ─┬─▶ tandem-1
 *         ├─▶ HAProxy fe_app (haproxy.cfg)                ─┤
 *         └─▶ HAProxy fe_nginx ─▶ nginx                   ─┴─▶ tandem-2
 *
 * The edge is this file's public entry point and APP_URL, so sign-in and the Origin
 * check see one public origin whichever proxy is behind it. Normally it forwards TCP
 * untouched, keeping each client's source address (clients connect from distinct
 * 127.0.0.x addresses, so address-based stickiness spreads them over both processes);
 * in "strip" mode it is an HTTP proxy that drops the Upgrade header, as some tunnels
 * do, so WebSockets cannot get through.
 *
 * Checked through each proxy: WebSocket clients really upgrade; 50+ signed-in
 * polling-only clients, spread over both processes, connect, join a ticket and get a
 * comment with no 400 "Session ID unknown" (the proxies' logs are checked for 400s on
 * polling requests); without WebSockets everything still arrives over polling.
 * Half the clients keep cookies like a browser (HAProxy's SERVERID cookie then pins
 * them), half do not (address stickiness alone).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { io } from "socket.io-client";
import type { TicketDTO } from "../../src/shared/dto";
import { type ClientSocket, nextEvent, signIn } from "../helpers/server";
import { freePort, type Haproxy, type Nginx, startHaproxy, startNginx } from "../helpers/proxies";
import { until as waitUntil } from "../helpers/until";
import { type Backing, createTicket, type Deployment, joinTicket, mapLimit, postComment, readiness, startApps, startBacking } from "./support";

const POLLING_CLIENTS = 52;

// ---------------------------------------------------------------------------------------
// the edge

type EdgeMode = "tcp" | "strip";
type Edge = { port: number; url: string; route(port: number, mode: EdgeMode): Promise<void>; close(): Promise<void> };

const HOP_BY_HOP = ["connection", "upgrade", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer"];
const WEBSOCKET_HEADERS = ["sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol"];

function without(headers: http.IncomingHttpHeaders, names: string[]) {
  const out = { ...headers };
  for (const name of names) delete out[name];
  return out;
}

async function startEdge(): Promise<Edge> {
  let target = 0;
  let mode: EdgeMode = "tcp";
  const live = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    live.add(s);
    s.on("close", () => live.delete(s));
    s.on("error", () => s.destroy());
  };

  // Strip mode: plain HTTP forwarding from the client's own address; upgrade requests
  // go on as ordinary GETs (the app answers 400), the way a tunnel that drops the
  // Upgrade header behaves.
  const forward = (req: http.IncomingMessage, onResponse: (res: http.IncomingMessage) => void, onError: () => void) => {
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: target,
        method: req.method,
        path: req.url,
        headers: without(req.headers, [...HOP_BY_HOP, ...WEBSOCKET_HEADERS]),
        localAddress: req.socket.remoteAddress,
        agent: false,
      },
      onResponse,
    );
    upstream.on("error", onError);
    req.pipe(upstream);
  };
  const stripper = http.createServer((req, res) => {
    forward(
      req,
      (up) => {
        res.writeHead(up.statusCode ?? 502, without(up.headers, HOP_BY_HOP));
        up.pipe(res);
      },
      () => res.destroy(),
    );
  });
  stripper.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
    forward(
      req,
      (up) => {
        const chunks: Buffer[] = [];
        up.on("data", (c: Buffer) => chunks.push(c));
        up.on("end", () => {
          const body = Buffer.concat(chunks);
          socket.end(
            `HTTP/1.1 ${up.statusCode} ${up.statusMessage}\r\ncontent-type: ${up.headers["content-type"] ?? "text/plain"}\r\n` +
              `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString("latin1")}`,
            "latin1",
          );
        });
      },
      () => socket.destroy(),
    );
  });

  const server = net.createServer((client) => {
    track(client);
    if (mode === "strip") {
      stripper.emit("connection", client);
      return;
    }
    const upstream = net.connect({ host: "127.0.0.1", port: target, localAddress: client.remoteAddress });
    track(upstream);
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async route(to, newMode) {
      target = to;
      mode = newMode;
      // Kept-alive connections (fetch's pool too) would otherwise stay with the previous
      // proxy. Close them, and let this process's clients see the close (it arrives in the
      // next poll phase; setImmediate runs after that) before anyone sends again.
      const closing = [...live].map((s) => new Promise((r) => s.once("close", r)));
      for (const s of live) s.destroy();
      await Promise.all(closing);
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    },
    async close() {
      for (const s of live) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------
// clients

type Client = { socket: ClientSocket; agent: http.Agent; source: string; problems: string[]; upgradeErrors: number };
const clients: Client[] = [];

/** Client `i` connects from 127.0.0.(i+2), like a distinct user's address (Linux routes all of 127/8 to lo). */
function sourceAddress(i: number) {
  assert.ok(i < 250);
  return `127.0.0.${i + 2}`;
}

/** A socket through the edge, from `source`, carrying the session cookie and the public Origin. */
function connectClient(
  cookie: string,
  source: string,
  opts: { transports?: ("polling" | "websocket")[]; withCredentials?: boolean; origin?: string } = {},
): Promise<Client> {
  const agent = new http.Agent({ keepAlive: true, localAddress: source });
  const socket: ClientSocket = io(edge.url, {
    path: "/socket.io/",
    transports: opts.transports ?? ["polling", "websocket"],
    reconnection: false,
    forceNew: true,
    timeout: 15_000,
    // Browser-like clients keep cookies (HAProxy's SERVERID); the session cookie goes in
    // the handshake, which is where the app authenticates.
    withCredentials: opts.withCredentials ?? false,
    agent: agent as never,
    localAddress: source,
    extraHeaders: { cookie, origin: opts.origin ?? edge.url },
  } as never);
  const client: Client = { socket, agent, source, problems: [], upgradeErrors: 0 };
  clients.push(client);
  socket.io.on("open", () => socket.io.engine.on("upgradeError", () => client.upgradeErrors++));
  return new Promise((resolve, reject) => {
    socket.once("connect", () => {
      socket.on("disconnect", (reason) => client.problems.push(`disconnect: ${reason}`));
      resolve(client);
    });
    socket.once("connect_error", (e) => reject(e));
  });
}

function closeClients() {
  for (const c of clients.splice(0)) {
    c.socket.close();
    c.agent.destroy();
  }
}

/** Resolves once the client's transport is a WebSocket (rejects on a failed probe). */
function upgraded(socket: ClientSocket): Promise<void> {
  const engine = socket.io.engine;
  if (engine.transport.name === "websocket") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still on ${engine.transport.name} after 15 s`)), 15_000);
    engine.once("upgrade", () => {
      clearTimeout(timer);
      resolve();
    });
    engine.once("upgradeError", (e: Error) => {
      clearTimeout(timer);
      reject(new Error(`upgrade failed: ${e.message}`));
    });
  });
}

const until = (check: () => boolean, what: string, ms = 15_000) => waitUntil(check, what, ms);

// ---------------------------------------------------------------------------------------
// the deployment

let backing: Backing | undefined;
let deployment: Deployment | undefined;
let edge: Edge;
let nginx: Nginx | undefined;
let haproxy: Haproxy | undefined;
let ticket: TicketDTO;

before(async () => {
  backing = await startBacking();
  edge = await startEdge();
  deployment = await startApps({ backing, appUrl: edge.url });
  const ports = deployment.ports as [number, number];
  nginx = await startNginx({ upstreams: ports });
  haproxy = await startHaproxy({ upstreams: ports, nginxPort: nginx.port });
});

afterEach(() => closeClients());

after(async () => {
  closeClients();
  await edge?.close();
  await haproxy?.kill();
  await nginx?.kill();
  await deployment?.stop();
  await backing?.stop();
});

/** Lines of the proxies' logs for polling requests answered 400 (e.g. "Session ID unknown"). */
function polling400s(): string[] {
  const nginxLog = fs.readFileSync(path.join(nginx!.dir, "access.log"), "utf8");
  const haproxyLog = haproxy!.daemon.output();
  return [
    ...nginxLog.split("\n").filter((l) => /"[A-Z]+ \/socket\.io\/\?[^"]*transport=polling[^"]*" 400 /.test(l)),
    ...haproxyLog.split("\n").filter((l) => / 400 \d+ .*"[A-Z]+ \/socket\.io\/\?[^"]*transport=polling/.test(l)),
  ];
}

/** Sockets connected to each app process right now. */
async function socketsPerProcess(): Promise<number[]> {
  return Promise.all(deployment!.apps.map(async (a) => ((await readiness(a.url)).body as unknown as { sockets: number }).sockets));
}

type Route = { name: string; port: () => number };
const ROUTES: Route[] = [
  { name: "nginx", port: () => nginx!.port },
  { name: "HAProxy", port: () => haproxy!.appPort },
  { name: "HAProxy in front of nginx", port: () => haproxy!.nginxFrontPort },
];

/**
 * Session cookies of agent, admin and alice, signed in through the proxy under test
 * like a browser's login form. Only next-auth's cookies are kept: the sign-ins run
 * from 127.0.0.1, and HAProxy's SERVERID cookie pinning that address's process would
 * otherwise follow every client, whatever its own address.
 */
async function signInAll(): Promise<string[]> {
  const cookies = await Promise.all(["agent", "admin", "alice"].map((who) => signIn(edge.url, `${who}@example.com`)));
  return cookies.map((c) =>
    c
      .split("; ")
      .filter((pair) => pair.includes("next-auth"))
      .join("; "),
  );
}

/** Every client joins `ticket`, one comment goes out through the edge, all of them get it. */
async function everyoneHearsAComment(list: Client[], poster: string, body: string, join = true) {
  if (join) await mapLimit(list, 10, (c) => joinTicket(c.socket, ticket.id));
  const arrivals = list.map((c) => nextEvent(c.socket, "comment:added", (e) => e.data.comment.body === body, 20_000));
  await postComment(edge.url, poster, ticket.id, body);
  await Promise.all(arrivals);
}

for (const route of ROUTES) {
  describe(`through ${route.name}`, () => {
    let cookies: string[];
    before(async () => {
      await edge.route(route.port(), "tcp");
      cookies = await signInAll();
      ticket ??= await createTicket(edge.url, cookies[2]!, "Proxies drill");
    });

    test("WebSocket clients upgrade, and receive events over the WebSocket", async () => {
      const upgrading = await mapLimit([0, 1, 2, 3, 4, 5], 3, (i) => connectClient(cookies[i % 3]!, sourceAddress(i)));
      await Promise.all(upgrading.map((c) => upgraded(c.socket)));
      const direct = await mapLimit([6, 7, 8, 9], 2, (i) => connectClient(cookies[i % 3]!, sourceAddress(i), { transports: ["websocket"] }));
      const all = [...upgrading, ...direct];
      for (const c of all) assert.equal(c.socket.io.engine.transport.name, "websocket", `client from ${c.source}`);
      await everyoneHearsAComment(all, cookies[0]!, `over websockets via ${route.name}`);
      for (const c of all) assert.deepEqual(c.problems, [], `client from ${c.source}`);
      // A page from another site is refused here too (the Origin check survives the proxy).
      await assert.rejects(connectClient(cookies[0]!, sourceAddress(10), { origin: "http://evil.example" }));
    });

    test(`${POLLING_CLIENTS} polling-only clients over both processes stay sticky`, async () => {
      const before400s = polling400s().length;
      const polling = await mapLimit(Array.from({ length: POLLING_CLIENTS }, (_, i) => i), 8, (i) =>
        connectClient(cookies[i % 3]!, sourceAddress(i), { transports: ["polling"], withCredentials: i % 2 === 0 }),
      );
      const perProcess = await socketsPerProcess();
      assert.ok(perProcess.every((n) => n > 0), `all clients landed on one process: ${perProcess.join(" / ")}`);
      await everyoneHearsAComment(polling, cookies[0]!, `over long-polling via ${route.name}`);
      for (const c of polling) {
        assert.equal(c.socket.io.engine.transport.name, "polling");
        assert.deepEqual(c.problems, [], `client from ${c.source}`);
        assert.ok(c.socket.connected, `client from ${c.source} lost its session`);
      }
      assert.deepEqual(polling400s().slice(before400s), [], "polling requests answered 400 (no stickiness?)");
    });
  });
}

for (const route of ROUTES.slice(0, 2)) {
  describe(`through a proxy that strips Upgrade, in front of ${route.name}`, () => {
    let cookies: string[];
    before(async () => {
      await edge.route(route.port(), "strip");
      cookies = await signInAll();
      ticket ??= await createTicket(edge.url, cookies[2]!, "Proxies drill");
    });

    test("clients stay on long-polling and still get every event", async () => {
      const list = await mapLimit(Array.from({ length: 12 }, (_, i) => i), 6, (i) =>
        connectClient(cookies[i % 3]!, sourceAddress(20 + i), { withCredentials: i % 2 === 0 }),
      );
      // Each client tried to upgrade, and the probe failed.
      await until(() => list.every((c) => c.upgradeErrors > 0), "every client's failed upgrade probe");
      const perProcess = await socketsPerProcess();
      assert.ok(perProcess.every((n) => n > 0), `all clients landed on one process: ${perProcess.join(" / ")}`);
      for (let n = 1; n <= 3; n++) await everyoneHearsAComment(list, cookies[0]!, `without websockets via ${route.name}, #${n}`, n === 1);
      for (const c of list) {
        assert.equal(c.socket.io.engine.transport.name, "polling");
        assert.deepEqual(c.problems, [], `client from ${c.source}`);
      }
      // WebSocket-only clients cannot connect at all here: why polling must stay enabled.
      await assert.rejects(connectClient(cookies[0]!, sourceAddress(40), { transports: ["websocket"] }));
    });
  });
}

test("the proxies logged no errors and are still up", async () => {
  assert.doesNotMatch(nginx!.errorLog(), /\[(emerg|alert|crit)\]/, nginx!.errorLog());
  assert.equal(nginx!.daemon.child.exitCode, null);
  assert.equal(haproxy!.daemon.child.exitCode, null);
  for (const app of deployment!.apps) assert.equal(app.proc.exitCode, null, app.output());
});
