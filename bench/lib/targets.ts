/**
 * The servers a benchmark run compares: Tandem (one process on the embedded
 * database or PostgreSQL, or two processes on PostgreSQL + Redis) and the bare
 * Socket.IO baseline (bench/bare-server.mjs, one process or two with Redis).
 * Both expose the same verbs to the scenarios: make a room, post into it,
 * and where each process is (URL, PID) for /proc measurements.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../src/generated/prisma/client";
import { openPglite } from "../../src/server/db/adapters";
import { PING_INTERVAL_MS, PING_TIMEOUT_MS } from "../../src/server/timeouts";
import { ensureTemplate, makeTempDir, postgresEnv, ROOT, startServer, type TestServer } from "../../tests/helpers/server";
import { copyTemplateInto } from "../../tests/helpers/services";
import { type Account, createAccounts } from "./accounts";
import { collectGarbage, freePort, heapSnapshot, sampleAllocations } from "./gc";

export type Target = {
  /** e.g. "Tandem, PostgreSQL, 2 processes". */
  label: string;
  kind: "tandem" | "bare";
  urls: string[];
  pids: number[];
  /** Tandem: the first `sockets` accounts hold sockets, the rest post and write. Bare: none. */
  accounts: Account[];
  /** A new room: a ticket (Tandem) or a name (bare). */
  createRoom(): Promise<string>;
  /** Post a comment whose body is `marker` to `room` through process `via`; resolves with the HTTP status. */
  post(via: number, room: string, marker: string, poster: number): Promise<number>;
  /** V8 heap used by each process, bytes. */
  heapUsed(): Promise<number[]>;
  /** A full garbage collection in each process (see ./gc.ts); the V8 heap in use after it, bytes. */
  collectGarbage(): Promise<number[]>;
  /** A heap snapshot of the first process (after a collection), DevTools JSON. */
  heapSnapshot(): Promise<string>;
  /** What the first process allocates while `during()` runs, by allocating function (see ./gc.ts). */
  sampleAllocations(during: () => Promise<void>): Promise<[string, number][]>;
  stop(): Promise<void>;
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** A small HTTP client on a keep-alive agent: the poster's CPU per request stays far below fetch's. */
export function request(url: string, method: string, pathname: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(pathname, url),
      { method, agent, headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Every server gets these: creation limits off (tests/helpers/server.ts adds them), and no per-address socket cap, since every bench socket comes from loopback. */
const BENCH_ENV = { SOCKET_MAX_PER_ADDRESS: "100000", METRICS_TOKEN: "bench-metrics-token-0123456789" };

/** Bytes of V8 heap in use, from Tandem's /metrics (prom-client's default metrics). */
async function tandemHeap(url: string): Promise<number> {
  const res = await request(url, "GET", "/metrics", { authorization: `Bearer ${BENCH_ENV.METRICS_TOKEN}` });
  const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(res.text);
  return m ? Number(m[1]) : NaN;
}

function tandemTarget(label: string, servers: TestServer[], accounts: Account[], creator: Account, inspectPorts: number[]): Target {
  return {
    label,
    kind: "tandem",
    urls: servers.map((s) => s.url),
    pids: servers.map((s) => s.proc.pid!),
    accounts,
    async createRoom() {
      const res = await request(servers[0]!.url, "POST", "/api/tickets", { cookie: creator.cookie }, JSON.stringify({ title: "Benchmark ticket", description: "bench" }));
      if (res.status !== 201) throw new Error(`ticket creation failed: ${res.status} ${res.text}`);
      return (JSON.parse(res.text) as { id: string }).id;
    },
    async post(via, room, marker, poster) {
      // With a new Idempotency-Key, as the browser sends one with every reply (src/client/api-client.ts).
      const headers = { cookie: accounts[poster]!.cookie, "idempotency-key": randomUUID() };
      const res = await request(servers[via]!.url, "POST", `/api/tickets/${room}/comments`, headers, JSON.stringify({ body: marker }));
      return res.status;
    },
    heapUsed: () => Promise.all(servers.map((s) => tandemHeap(s.url))),
    collectGarbage: () => Promise.all(servers.map((s, i) => collectGarbage(s.proc.pid!, inspectPorts[i]!))),
    heapSnapshot: () => heapSnapshot(servers[0]!.proc.pid!, inspectPorts[0]!),
    sampleAllocations: (during) => sampleAllocations(servers[0]!.proc.pid!, inspectPorts[0]!, during),
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

export type TandemOptions = {
  db: "embedded" | "postgres";
  processes: 1 | 2;
  accounts: number;
  redisUrl?: string;
  nodeArgs?: string[];
  /** A compiled server other than dist/server.js (BENCH_SERVER_SCRIPT), to compare a change before and after. */
  script?: string;
};

/**
 * Tandem on a fresh copy of the seeded database with `accounts` bench users
 * (see ./accounts.ts) inserted before the servers start (the embedded
 * database admits one process, the server's).
 */
/**
 * An experiment's change to the database before the servers start, e.g. what
 * a trigger costs: BENCH_SQL_BEFORE='ALTER TABLE "Comment" DISABLE TRIGGER
 * "Comment_search"' (bench/findings.md, tenth round).
 */
async function sqlBefore(prisma: PrismaClient) {
  // Statements separated by ";" run one at a time (ALTER SYSTEM refuses a transaction block).
  for (const statement of (process.env.BENCH_SQL_BEFORE ?? "").split(";").map((s) => s.trim()).filter(Boolean)) {
    await prisma.$executeRawUnsafe(statement);
  }
}

export async function startTandem(opts: TandemOptions): Promise<Target> {
  let secret: string;
  let env: Record<string, string> = { ...BENCH_ENV };
  let accounts: Account[];
  let dataDir: string | undefined;
  if (opts.db === "postgres") {
    const pg = await postgresEnv();
    secret = pg.NEXTAUTH_SECRET;
    env = { ...env, ...pg, ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}) };
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: pg.DATABASE_URL }) });
    try {
      accounts = await createAccounts(prisma, opts.accounts, secret);
      await sqlBefore(prisma);
    } finally {
      await prisma.$disconnect();
    }
  } else {
    if (opts.processes !== 1) throw new Error("the embedded database runs in one process");
    secret = "bench-secret-of-at-least-32-characters-long";
    env.NEXTAUTH_SECRET = secret;
    const template = await ensureTemplate();
    dataDir = makeTempDir("tandem-bench-");
    copyTemplateInto(template, dataDir);
    const { client, adapter } = await openPglite(dataDir);
    const prisma = new PrismaClient({ adapter });
    try {
      accounts = await createAccounts(prisma, opts.accounts, secret);
      await sqlBefore(prisma);
    } finally {
      await prisma.$disconnect();
      await client.close();
    }
  }
  // Where each process opens its inspector when the harness forces a collection (./gc.ts).
  const inspectPorts = await Promise.all(Array.from({ length: opts.processes }, () => freePort()));
  const servers = await Promise.all(
    Array.from({ length: opts.processes }, (_, i) => startServer({
        env,
        ...(dataDir ? { dataDir } : {}),
        // BENCH_NODE_ARGS: Node options for every Tandem process of a bench script, after the usual
        // ones (a later one wins, e.g. `--v8-pool-size=4` to compare with the default).
        nodeArgs: [...(opts.nodeArgs ?? []), ...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []), `--inspect-port=127.0.0.1:${inspectPorts[i]}`],
        ...(opts.script ?? process.env.BENCH_SERVER_SCRIPT ? { script: opts.script ?? process.env.BENCH_SERVER_SCRIPT } : {}),
      })),
  );
  const label = `Tandem, ${opts.db === "postgres" ? "PostgreSQL" : "embedded"}${opts.processes === 2 ? ", 2 processes + Redis" : ""}`;
  const target = tandemTarget(label, servers, accounts, accounts.at(-1)!, inspectPorts);
  const stop = target.stop;
  target.stop = async () => {
    await stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return target;
}

async function startBareProcess(redisUrl: string | undefined): Promise<{ url: string; proc: ChildProcess; inspectPort: number; stop(): Promise<void> }> {
  const inspectPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: "production",
    PORT: "0",
    HOST: "127.0.0.1",
    BARE_PING_INTERVAL: String(PING_INTERVAL_MS),
    BARE_PING_TIMEOUT: String(PING_TIMEOUT_MS),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
  const proc = spawn(process.execPath, [`--inspect-port=127.0.0.1:${inspectPort}`, path.join(ROOT, "bench", "bare-server.mjs")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stderr!.on("data", (d: Buffer) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once("close", () => resolve()));
  return new Promise((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      out += d;
      const m = /ready on http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        resolve({
          url: `http://127.0.0.1:${m[1]}`,
          proc,
          inspectPort,
          async stop() {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
            await exited;
          },
        });
      }
    });
    void exited.then(() => reject(new Error(`bare server exited before it was ready:\n${out}`)));
  });
}

/** The bare baseline; `payload` is the event body it sends (a real Tandem event, so sizes match), its marker replaced per post. */
export async function startBare(opts: { processes: 1 | 2; redisUrl?: string; payload: () => unknown }): Promise<Target> {
  const procs = await Promise.all(Array.from({ length: opts.processes }, () => startBareProcess(opts.redisUrl)));
  let rooms = 0;
  return {
    label: `bare Socket.IO${opts.processes === 2 ? ", 2 processes + Redis" : ""}`,
    kind: "bare",
    urls: procs.map((p) => p.url),
    pids: procs.map((p) => p.proc.pid!),
    accounts: [],
    createRoom: async () => `room-${++rooms}`,
    async post(via, room, marker) {
      const payload = withMarker(opts.payload(), marker);
      const res = await request(procs[via]!.url, "POST", "/emit", {}, JSON.stringify({ room, event: "comment:added", payload }));
      return res.status;
    },
    heapUsed: () =>
      Promise.all(procs.map(async (p) => (JSON.parse((await request(p.url, "GET", "/memory", {})).text) as { heapUsed: number }).heapUsed)),
    collectGarbage: () => Promise.all(procs.map((p) => collectGarbage(p.proc.pid!, p.inspectPort))),
    heapSnapshot: () => heapSnapshot(procs[0]!.proc.pid!, procs[0]!.inspectPort),
    sampleAllocations: (during) => sampleAllocations(procs[0]!.proc.pid!, procs[0]!.inspectPort, during),
    async stop() {
      await Promise.all(procs.map((p) => p.stop()));
    },
  };
}

/** A copy of a Tandem `comment:added` payload carrying `marker` as its body, padded to the body's original length. */
export function withMarker(sample: unknown, marker: string): unknown {
  const copy = structuredClone(sample) as { data: { comment: { body: string } } };
  const original = copy.data.comment.body;
  copy.data.comment.body = marker.length >= original.length ? marker : marker + " ".repeat(original.length - marker.length);
  return copy;
}
