/**
 * Shared set-up of the scale tests: a deployment as ecosystem.config.js describes
 * it (fork-mode processes on consecutive ports sharing DATABASE_URL, REDIS_URL,
 * NEXTAUTH_SECRET and APP_URL) over a throwaway PostgreSQL and redis-server.
 * Not a test file itself: the runner only picks up `*.test.ts`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { CommentDTO, TicketDTO } from "../../src/shared/dto";
import { NODE_ARGS } from "../../src/server/process-options.cjs";
import type { ServerToClientEvents } from "../../src/shared/realtime";
import { api, type ClientSocket, makeTempDir, ROOT, SEEDED_DATABASE, startSeededPostgres, startServer, type TestServer } from "../helpers/server";
import { type Postgres, type RedisServer, startRedis } from "../helpers/services";

export const SECRET = "scale-test-secret-of-at-least-32-characters";

/** Run `fn` for every item with at most `limit` at a time; results in order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** The first of `n` consecutive ports that are free on 127.0.0.1 (BASE_PORT for ecosystem.config.js). */
export async function consecutiveFreePorts(n: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    // Below Linux's ephemeral range (32768+), so outgoing connections do not take them meanwhile.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await portFree(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}

export type EcosystemApp = { name: string; cwd: string; script: string; interpreter: string; node_args: string; env: Record<string, string> };

/** ecosystem.config.js evaluated in a clean `node` with `env`, as PM2 and deploy.sh do. */
export function loadEcosystem(env: Record<string, string>): { apps: EcosystemApp[]; ports: number[] } {
  const result = spawnSync(process.execPath, ["-e", 'process.stdout.write(JSON.stringify(require("./ecosystem.config.js")))'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
  });
  assert.equal(result.status, 0, `ecosystem.config.js failed to load:\n${result.stderr}`);
  return JSON.parse(result.stdout) as { apps: EcosystemApp[]; ports: number[] };
}

/** PostgreSQL (one seeded database) and Redis for one test file. */
export type Backing = { pg: Postgres; redis: RedisServer; databaseUrl: string; stop(): Promise<void> };

export async function startBacking(): Promise<Backing> {
  const [pg, redis] = await Promise.all([startSeededPostgres(), startRedis()]);
  try {
    const databaseUrl = await pg.createDatabase(undefined, SEEDED_DATABASE);
    return {
      pg,
      redis,
      databaseUrl,
      async stop() {
        await Promise.allSettled([redis.stop(), pg.stop()]);
      },
    };
  } catch (e) {
    await Promise.allSettled([redis.stop(), pg.stop()]);
    throw e;
  }
}

export type Deployment = {
  apps: TestServer[];
  ports: number[];
  /** The variables every process shares. */
  env: Record<string, string>;
  /** Stop process `i` (0-based) gracefully and start it again with the same environment. */
  restart(i: number): Promise<TestServer>;
  stop(): Promise<void>;
};

/**
 * Start the app processes exactly as ecosystem.config.js describes them (its env per
 * app, `node dist/server.js`, consecutive ports from BASE_PORT).
 * `appUrl` gets the ports, for deployments whose public origin is an app port.
 */
export async function startApps(opts: {
  backing: Backing;
  instances?: number;
  appUrl: string | ((ports: number[]) => string);
  basePort?: number;
  extraEnv?: Record<string, string>;
}): Promise<Deployment> {
  const instances = opts.instances ?? 2;
  const basePort = opts.basePort ?? (await consecutiveFreePorts(instances));
  const ports = Array.from({ length: instances }, (_, i) => basePort + i);
  const env: Record<string, string> = {
    INSTANCES: String(instances),
    BASE_PORT: String(basePort),
    DATABASE_URL: opts.backing.databaseUrl,
    REDIS_URL: opts.backing.redis.url,
    NEXTAUTH_SECRET: SECRET,
    APP_URL: typeof opts.appUrl === "function" ? opts.appUrl(ports) : opts.appUrl,
    HOST: "127.0.0.1",
    // Uploads: one directory for all processes, as on one host with a shared DATA_DIR.
    DATA_DIR: makeTempDir("tandem-scale-data-"),
    ...opts.extraEnv,
  };
  const ecosystem = loadEcosystem(env);
  assert.deepEqual(ecosystem.ports, ports);
  const apps: TestServer[] = [];
  const stop = async () => {
    await Promise.allSettled(apps.map((a) => a.stop()));
    fs.rmSync(env.DATA_DIR!, { recursive: true, force: true });
  };
  // One after the other, as deploy.sh has PM2 do it (PM2_CONCURRENT_ACTIONS=1): each
  // process runs `prisma migrate deploy` as it starts, and two at once on one database
  // queue on Prisma's advisory lock, which gives up after 10 s on a busy machine.
  try {
    for (const app of ecosystem.apps) {
      assert.equal(app.script, "dist/server.js");
      // startServer starts every server with these (src/server/process-options.cjs).
      assert.equal(app.node_args, NODE_ARGS.join(" "));
      assert.equal(path.resolve(app.cwd), ROOT);
      apps.push(await startServer({ port: Number(app.env.PORT), dataDir: app.env.DATA_DIR, env: app.env }));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const start = (app: EcosystemApp) => startServer({ port: Number(app.env.PORT), dataDir: app.env.DATA_DIR, env: app.env });
  return {
    apps,
    ports,
    env,
    stop,
    async restart(i) {
      assert.equal(await apps[i]!.stop(), 0, `graceful shutdown exits 0; the process said:\n${apps[i]!.output().slice(-2000)}`);
      apps[i] = await start(ecosystem.apps[i]!);
      return apps[i]!;
    },
  };
}

/** GET /api/ready on one process. */
export async function readiness(url: string): Promise<{ status: number; body: { status: string; redis: string; database: string; pid: number } }> {
  const res = await fetch(`${url}/api/ready`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as never };
}

/** Poll `check` until it resolves true, at most `ms`. */
export async function eventually(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function createTicket(url: string, cookie: string, title: string): Promise<TicketDTO> {
  const res = await api<TicketDTO>(url, cookie, "POST", "/api/tickets", { title, description: "Details." });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

export async function postComment(url: string, cookie: string, ticketId: string, body: string, internal = false): Promise<CommentDTO> {
  const res = await api<CommentDTO>(url, cookie, "POST", `/api/tickets/${ticketId}/comments`, { body, internal });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** ticket:join with an ack; asserts it succeeded. */
export async function joinTicket(socket: ClientSocket, ticketId: string): Promise<void> {
  const ack = await socket.timeout(15_000).emitWithAck("ticket:join", { ticketId });
  assert.equal(ack.ok, true, JSON.stringify(ack));
}

/** Every `event` on `socket` from now on. */
export function record<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E) {
  const seen: Array<Parameters<ServerToClientEvents[E]>[0]> = [];
  socket.on(event, ((p: Parameters<ServerToClientEvents[E]>[0]) => seen.push(p)) as never);
  return seen;
}
