/**
 * A zero-downtime deploy, for real: PM2 (the project's own devDependency, with a
 * throwaway PM2_HOME) starts ecosystem.config.js with INSTANCES=2 on PostgreSQL and
 * Redis, the shipped nginx.conf sits in front, and while two clients keep posting
 * comments through nginx (and one through HAProxy), `pm2 startOrReload ecosystem.config.js --update-env` with
 * PM2_CONCURRENT_ACTIONS=1 (exactly what deploy/deploy.sh runs) replaces both
 * processes one at a time. Every request must succeed with 201, exactly once (the
 * ticket ends up with one comment per 201), and both processes must be new.
 * Meanwhile a socket on each process (reconnecting like a browser does) must lose
 * its connection only when its own process is replaced, and come back by itself,
 * and a browser-like live page pinned to each process through HAProxy must end
 * with exactly the committed comments, each within 5 s (issue 8 §1).
 *
 * PM2 is kept from phoning home: PM2_DISABLE_VERSION_CHECK, and the `touch` file
 * in PM2_HOME that marks the first-run "install" ping as done.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, test } from "node:test";
import type { CommentDTO, TicketDTO } from "../../src/shared/dto";
import { NODE_ARGS } from "../../src/server/process-options.cjs";
import { api, type ClientSocket, connectSocket, makeTempDir, nextEvent, ROOT, signIn, TEST_CREATION_LIMITS } from "../helpers/server";
import { freePort, type Haproxy, type Nginx, startHaproxy, startNginx } from "../helpers/proxies";
import { assertConverged, committedView, LiveClient } from "./live-client";
import { type Backing, consecutiveFreePorts, createTicket, eventually, joinTicket, readiness, SECRET, startBacking } from "./support";

const PM2 = path.join(ROOT, "node_modules", ".bin", "pm2");

let backing: Backing | undefined;
let nginx: Nginx | undefined;
let haproxy: Haproxy | undefined;
let pm2Home: string | undefined;
let pm2Env: NodeJS.ProcessEnv;
let ports: number[];
let dataDir: string | undefined;
let logDir: string | undefined;

function pm2(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(PM2, args, { cwd: ROOT, env: pm2Env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`pm2 ${args.join(" ")} failed: ${error.message}\n${stdout}${stderr}\n${appLogs()}`));
      else resolve({ stdout, stderr });
    });
  });
}

function appLogs(): string {
  if (!logDir || !fs.existsSync(logDir)) return "";
  return fs
    .readdirSync(logDir)
    .map((f) => `--- ${f}\n${fs.readFileSync(path.join(logDir!, f), "utf8").slice(-4000)}`)
    .join("\n");
}

type Pm2Process = { name: string; pid: number; pm2_env: { status: string; restart_time: number; exec_mode: string; node_args: string | string[] } };

async function processes(): Promise<Pm2Process[]> {
  const { stdout } = await pm2("jlist");
  return (JSON.parse(stdout.slice(stdout.indexOf("["))) as Pm2Process[]).sort((a, b) => a.name.localeCompare(b.name));
}

async function allHealthy() {
  await eventually(async () => {
    const states = await Promise.all(ports.map((p) => readiness(`http://127.0.0.1:${p}`)));
    return states.every((s) => s.status === 200);
  }, "every app process to report ready", 90_000);
}

before(async () => {
  assert.ok(fs.existsSync(PM2), `PM2 is missing (${PM2}): run npm install (it is a devDependency)`);
  backing = await startBacking();
  const basePort = await consecutiveFreePorts(2);
  ports = [basePort, basePort + 1];
  const nginxPort = await freePort();
  pm2Home = makeTempDir("tandem-pm2-");
  // PM2 pings its servers on the first run unless this file exists (lib/Client.js).
  fs.writeFileSync(path.join(pm2Home, "touch"), String(Date.now()));
  dataDir = makeTempDir("tandem-pm2-data-");
  logDir = makeTempDir("tandem-pm2-logs-");
  const base = { ...process.env };
  for (const k of ["DATABASE_URL", "REDIS_URL", "APP_URL", "NEXTAUTH_SECRET", "NEXTAUTH_URL", "TANDEM_TEST_DB", "PORT"]) delete base[k];
  pm2Env = {
    ...base,
    PM2_HOME: pm2Home,
    PM2_DISABLE_VERSION_CHECK: "1",
    PM2_CONCURRENT_ACTIONS: "1",
    INSTANCES: "2",
    BASE_PORT: String(basePort),
    HOST: "127.0.0.1",
    DATABASE_URL: backing.databaseUrl,
    REDIS_URL: backing.redis.url,
    NEXTAUTH_SECRET: SECRET,
    APP_URL: `http://127.0.0.1:${nginxPort}`,
    DATA_DIR: dataDir,
    LOG_DIR: logDir,
    NEXT_TELEMETRY_DISABLED: "1",
    // The comment stream below posts far more than a person would.
    ...TEST_CREATION_LIMITS,
  };
  // deploy.sh's first start is the same command as its reload.
  await pm2("startOrReload", "ecosystem.config.js", "--update-env");
  await allHealthy();
  nginx = await startNginx({ upstreams: [ports[0]!, ports[1]!], port: nginxPort });
  haproxy = await startHaproxy({ upstreams: [ports[0]!, ports[1]!], nginxPort });
});

after(async () => {
  if (pm2Home) {
    await pm2("kill").catch((e: Error) => console.error(e.message));
    // Should `pm2 kill` have failed, leave no daemon behind.
    const pidFile = path.join(pm2Home, "pm2.pid");
    if (fs.existsSync(pidFile)) {
      try {
        process.kill(Number(fs.readFileSync(pidFile, "utf8")), "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  await haproxy?.kill();
  await nginx?.kill();
  await backing?.stop();
  for (const dir of [pm2Home, dataDir, logDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** One POST through the proxy on `port` with a keep-alive agent bound to a source address. */
function postComment(port: number, agent: http.Agent, cookie: string, ticketId: string, body: string): Promise<number> {
  const payload = JSON.stringify({ body, internal: false });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: `/api/tickets/${ticketId}/comments`,
        agent,
        headers: { cookie, "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error("no response within 60 s")));
    req.on("error", reject);
    req.end(payload);
  });
}

test("pm2 runs both apps in fork mode on consecutive ports", async () => {
  const list = await processes();
  assert.deepEqual(list.map((p) => p.name), ["tandem-1", "tandem-2"]);
  for (const [i, p] of list.entries()) {
    assert.equal(p.pm2_env.status, "online");
    assert.equal(p.pm2_env.exec_mode, "fork_mode");
    assert.equal((await readiness(`http://127.0.0.1:${ports[i]}`)).body.pid, p.pid, `tandem-${i + 1} listens on ${ports[i]}`);
    // Started with the process options (src/server/process-options.cjs), as the tests and the benchmark are.
    // (PM2 rewrites the process title, so /proc/<pid>/cmdline no longer shows the options: PM2's record of them.)
    assert.deepEqual([p.pm2_env.node_args].flat(), NODE_ARGS, `${p.name}'s node options`);
    assert.ok(fs.readFileSync(`/proc/${p.pid}/environ`, "utf8").split("\0").includes("MALLOC_ARENA_MAX=8"), `${p.name} has MALLOC_ARENA_MAX=8`);
  }
});

test("a one-at-a-time reload under a stream of POSTs through the proxies fails none and duplicates none", { timeout: 240_000 }, async (t) => {
  const cookie = await signIn(nginx!.url, "agent@example.com");
  const ticket: TicketDTO = await createTicket(nginx!.url, cookie, "Reload drill");
  const before = await processes();

  // One live socket per process, straight to its port, recording why it disconnects.
  const watchers: Array<{ socket: ClientSocket; reasons: string[] }> = [];
  for (const port of ports) {
    const socket = await connectSocket(`http://127.0.0.1:${port}`, cookie, { reconnection: true });
    await joinTicket(socket, ticket.id);
    const reasons: string[] = [];
    socket.on("disconnect", (reason) => reasons.push(reason));
    watchers.push({ socket, reasons });
  }
  t.after(() => watchers.forEach((w) => w.socket.close()));

  // Browser-like live pages behind the shipped HAProxy, one pinned to each
  // process by its SERVERID cookie: each must end with every committed event,
  // in time, without reloading (issue 8 §1), though both processes get replaced.
  const pages = ["s1", "s2"].map((server) => new LiveClient(`agent@${server}`, `http://127.0.0.1:${haproxy!.appPort}`, `${cookie}; SERVERID=${server}`, ticket.id));
  for (const page of pages) await page.start();
  t.after(() => pages.forEach((p) => p.close()));
  const committedAt = new Map<string, number>();

  let reloading = true;
  let afterReload = 0;
  const outcomes: Array<{ status: number | string; body: string }> = [];
  // Clients from their own addresses (the proxies hash on the address), each posting
  // back to back over a keep-alive connection like a busy browser tab: two through
  // nginx, and one through HAProxy's fe_app.
  const clients = [
    { via: "nginx", port: nginx!.port, localAddress: "127.0.0.2" },
    { via: "nginx", port: nginx!.port, localAddress: "127.0.0.3" },
    { via: "HAProxy", port: haproxy!.appPort, localAddress: "127.0.0.4" },
  ];
  const loops = clients.map(async ({ via, port, localAddress }) => {
    const agent = new http.Agent({ keepAlive: true, localAddress });
    try {
      for (let i = 0; reloading || afterReload < 10; i++) {
        const body = `${via} from ${localAddress}: comment ${i}`;
        const status = await postComment(port, agent, cookie, ticket.id, body).catch((e: Error) => e.message);
        if (status === 201) committedAt.set(body, Date.now());
        outcomes.push({ status, body });
        if (!reloading) afterReload++;
      }
    } finally {
      agent.destroy();
    }
  });

  try {
    // Let the stream get going first, so the reload starts under load.
    await eventually(async () => outcomes.length >= 10, "the first requests");
    await pm2("startOrReload", "ecosystem.config.js", "--update-env");
    await allHealthy();
  } finally {
    reloading = false;
    await Promise.all(loops);
  }

  // What the proxies did about the stopping processes, by kind.
  const kinds = new Map<string, number>();
  for (const line of nginx!.errorLog().split("\n").filter((l) => /upstream/.test(l))) {
    const kind = `nginx: ${line.replace(/^.*?\*\d+ /, "").replace(/ while .*$/, "")}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  for (const line of haproxy!.daemon.output().split("\n").filter((l) => !l.includes("[WARNING]") && /Server be_app|be_app\/\S+ \S+ [^2]\d\d /.test(l))) {
    const kind = `HAProxy: ${line.replace(/^\S+ \[[^\]]*\] /, "").slice(0, 120)}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  t.diagnostic(`${outcomes.length} POSTs across the reload`);
  for (const [kind, n] of kinds) t.diagnostic(`${n} × ${kind}`);
  const failed = outcomes.filter((o) => o.status !== 201);
  assert.deepEqual(failed.slice(0, 20), [], `${failed.length} of ${outcomes.length} requests failed`);
  assert.ok(outcomes.length >= 30, `only ${outcomes.length} requests ran across the reload`);
  for (const { via, localAddress } of clients) {
    assert.ok(outcomes.some((o) => o.body.startsWith(`${via} from ${localAddress}`)), `no requests via ${via}`);
  }

  // Each 201 is one comment: nginx retried nothing the app had already done.
  const comments = await api<{ items: CommentDTO[] }>(nginx!.url, cookie, "GET", `/api/tickets/${ticket.id}/comments`);
  assert.equal(comments.status, 200);
  const bodies = comments.body.items.map((c) => c.body);
  assert.equal(bodies.length, outcomes.length, "a comment was stored twice or lost");
  assert.deepEqual([...bodies].sort(), outcomes.map((o) => o.body).sort());

  // Every live page holds exactly the committed events, each within 5 s of its commit (or of the page's reconnect).
  const truth = await committedView(nginx!.url, cookie, ticket.id);
  await assertConverged("pm2 reload", pages, () => truth, committedAt);

  // Each socket dropped once, when its own process stopped, as a transport
  // close: never "io server disconnect" (the server ending the session, after
  // which socket.io-client does not reconnect), and never because the other
  // process stopped.
  for (const [i, { socket, reasons }] of watchers.entries()) {
    assert.deepEqual(reasons, ["transport close"], `socket on tandem-${i + 1}`);
    await eventually(async () => socket.connected, `the socket on tandem-${i + 1} to reconnect`);
    await joinTicket(socket, ticket.id);
  }
  const live = watchers.map((w) => nextEvent(w.socket, "comment:added", (e) => e.data.comment.body === "after the reload"));
  assert.equal(await postComment(nginx!.port, new http.Agent(), cookie, ticket.id, "after the reload"), 201);
  await Promise.all(live);

  const after = await processes();
  for (const [i, p] of after.entries()) {
    assert.equal(p.pm2_env.status, "online");
    assert.notEqual(p.pid, before[i]!.pid, `${p.name} was not replaced`);
    assert.equal((await readiness(`http://127.0.0.1:${ports[i]}`)).body.pid, p.pid);
  }
});
