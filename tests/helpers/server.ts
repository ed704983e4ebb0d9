/**
 * Test harness: the real Tandem server (server.ts, production build) on port
 * 0 with a fresh DATA_DIR, plus sign-in over HTTP through next-auth and real
 * socket.io-client sockets.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../../src/shared/realtime";
import { countAtExit, treeTicks } from "./cpu-accounting";
import { copyTemplateInto, makeTempDir, type Postgres, removeStaleTemplates, startPostgres } from "./services";
import { NODE_ARGS, processEnv } from "../../src/server/process-options.cjs";

export const ROOT = path.resolve(__dirname, "../..");
export const DEMO_PASSWORD = "password";

export type TestServer = {
  url: string;
  port: number;
  password: string;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
};

export { makeTempDir };

function assertBuilt() {
  if (!fs.existsSync(path.join(ROOT, ".next", "BUILD_ID")) || !fs.existsSync(path.join(ROOT, "dist", "server.js"))) {
    throw new Error("No production build: run `npm run build` first (npm test does it for you)");
  }
}

/**
 * With TANDEM_TEST_DB=postgres every server started here gets a fresh
 * database on one throwaway PostgreSQL per test process (seeded like the
 * embedded default), so the same suites prove both databases.
 */
const onPostgres = process.env.TANDEM_TEST_DB === "postgres";
let postgres: Promise<Postgres> | undefined;

/** A fresh, migrated and seeded database on this test process's PostgreSQL: env for startServer. */
export async function postgresEnv(): Promise<{ DATABASE_URL: string; NEXTAUTH_SECRET: string }> {
  // CREATE DATABASE … TEMPLATE takes milliseconds, a migration and a seed several seconds.
  const url = await (await testCluster()).createDatabase(undefined, SEEDED_DATABASE);
  return { DATABASE_URL: url, NEXTAUTH_SECRET: POSTGRES_SECRET };
}

/** URL of a new, empty database on the cluster postgresEnv's databases are on (to restore a dump into). */
export async function emptyPostgresDatabase(): Promise<string> {
  return (await testCluster()).createDatabase();
}

function testCluster(): Promise<Postgres> {
  postgres ??= startSeededPostgres().then((pg) => {
    // Killed, not waited for: its CPU is read first (cpu-accounting.ts).
    countAtExit(() => treeTicks(pg.pid));
    process.once("exit", () => pg.kill());
    return pg;
  });
  return postgres;
}

/** NEXTAUTH_SECRET of the servers started on PostgreSQL (there is no generated secret file then). */
export const POSTGRES_SECRET = "test-secret-of-at-least-32-characters";

/** The migrated, seeded database in every cluster startSeededPostgres starts: copy it with createDatabase(undefined, SEEDED_DATABASE). */
export const SEEDED_DATABASE = "tandem_seeded";

/** A hash of what a migrated, seeded database is made from: the migrations, the seed and the server code it runs. */
function seedInputsHash(): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "generated") walk(full);
      } else if (!/\.test\.ts$/.test(e.name)) hash.update(path.relative(ROOT, full)).update(fs.readFileSync(full));
    }
  };
  for (const dir of ["prisma", "src/server"]) walk(path.join(ROOT, dir));
  hash.update(fs.readFileSync(path.join(ROOT, "scripts", "seed.ts")));
  return hash.digest("hex").slice(0, 16);
}

/**
 * A stopped PostgreSQL cluster holding SEEDED_DATABASE (migrated by the real
 * `npm run db:seed`, i.e. `prisma migrate deploy`, then seeded), made once per
 * set of migrations and seed code and shared by every test process through the
 * temp dir. Each test process copies the cluster instead of running initdb, the
 * migration and the seed itself (seconds of CPU per process).
 */
export async function ensurePostgresTemplate(): Promise<string> {
  const template = path.join(os.tmpdir(), `tandem-pg-template-${seedInputsHash()}-${DEMO_PASSWORD}`);
  if (fs.existsSync(path.join(template, "ready"))) touch(template);
  else {
    removeStaleTemplates();
    const pg = await startPostgres();
    try {
      const url = await pg.createDatabase(SEEDED_DATABASE);
      const env: Record<string, string> = { ...cleanEnv(), DATABASE_URL: url, DEMO_PASSWORD, NEXTAUTH_SECRET: POSTGRES_SECRET };
      const seeded = spawnSync(process.execPath, ["--import", "tsx", "scripts/seed.ts"], { cwd: ROOT, env: env as NodeJS.ProcessEnv, encoding: "utf8" });
      if (seeded.status !== 0) throw new Error(`seeding PostgreSQL failed:\n${seeded.stdout}${seeded.stderr}`);
      // A clean shutdown, so the copies start without recovery. The server is an
      // unref'd child: keep the loop alive until it has exited.
      const keepAlive = setInterval(() => undefined, 1000);
      await pg.halt().finally(() => clearInterval(keepAlive));
      const building = makeTempDir("tandem-pg-template-build-");
      fs.renameSync(pg.dataDir, path.join(building, "data"));
      fs.writeFileSync(path.join(building, "ready"), "");
      try {
        fs.renameSync(building, template);
      } catch {
        // Another test process made it first: use theirs.
        fs.rmSync(building, { recursive: true, force: true });
      }
    } finally {
      await pg.stop();
    }
  }
  return path.join(template, "data");
}

/** Mark a template as used now, so removeStaleTemplates keeps it. */
function touch(dir: string): void {
  const now = new Date();
  try {
    fs.utimesSync(dir, now, now);
  } catch {
    /* removed meanwhile: the caller copies what is there or fails loudly */
  }
}

/** A throwaway PostgreSQL that already holds SEEDED_DATABASE (a copy of ensurePostgresTemplate's cluster). */
export async function startSeededPostgres(): Promise<Postgres> {
  return startPostgres({ copyOf: await ensurePostgresTemplate() });
}

/**
 * The production defaults of the per-user creation limits (e.g. 20 comments a
 * minute) are below what the suites post in a burst; tests of the limits
 * themselves (tests/security/limits.test.ts) set their own.
 */
export const TEST_CREATION_LIMITS = { TICKET_CREATE_LIMIT: "100000", COMMENT_CREATE_LIMIT: "100000", UPLOAD_LIMIT: "100000" };

function cleanEnv(): Record<string, string> {
  const env = { ...(process.env as Record<string, string>) };
  // Mail settings too: a developer's SMTP_URL must not have the suites mail anyone.
  for (const k of ["DATABASE_URL", "REDIS_URL", "APP_URL", "NEXTAUTH_SECRET", "TANDEM_TEST_DB", "SMTP_URL", "MAIL_FROM", "MAIL_DELAY_SECONDS"]) delete env[k];
  return env;
}

/**
 * A first start on an empty DATA_DIR migrates and seeds (15-25 s on a busy
 * 2-core machine); most tests need only a seeded database. So a server started
 * without a `dataDir` gets a copy of a template: one real first start of the
 * current build, stopped cleanly, shared by every test process through the
 * temp dir (keyed by the build stamp, so a new build makes a new template).
 * Tests of first-start behaviour pass their own empty `dataDir`.
 */
export async function copyOfTemplate(): Promise<string> {
  const template = await ensureTemplate();
  const dataDir = makeTempDir();
  copyTemplateInto(template, dataDir);
  return dataDir;
}

/**
 * The template data dir of the current build, made now if missing. scripts/test.sh
 * makes it once before the suites start, so parallel test files do not each
 * make their own (any of them still can, when run alone).
 */
export async function ensureTemplate(): Promise<string> {
  const stamp = fs.readFileSync(path.join(ROOT, "dist", "build-stamp.txt"), "utf8").trim().slice(0, 16);
  const template = path.join(os.tmpdir(), `tandem-test-template-${stamp}-${DEMO_PASSWORD}`);
  if (fs.existsSync(path.join(template, "ready"))) touch(template);
  else {
    removeStaleTemplates();
    const building = makeTempDir("tandem-template-build-");
    const first = await startServer({ dataDir: building });
    const code = await first.stop();
    if (code !== 0) throw new Error(`the template server did not stop cleanly (exit ${code}, signal ${first.proc.signalCode}):\n${first.output()}`);
    fs.writeFileSync(path.join(building, "ready"), "");
    try {
      fs.renameSync(building, template);
    } catch {
      // Another test process made it first: use theirs.
      fs.rmSync(building, { recursive: true, force: true });
    }
  }
  return template;
}

/**
 * Servers still running when this process exits are killed with it. A test
 * or bench script that throws (or is cancelled) before it stops its servers
 * used to leave them running: found after one such script, two orphaned
 * servers whose data dirs had been removed at exit were using 35 % of a core
 * each, 45 minutes later, and slowed everything that ran after them.
 */
const running = new Set<ChildProcess>();
let guarding = false;
function orphanGuard(proc: ChildProcess): void {
  if (!guarding) {
    guarding = true;
    process.once("exit", () => running.forEach((p) => p.kill("SIGKILL")));
  }
  running.add(proc);
  proc.once("exit", () => running.delete(proc));
}

/** Start server.ts (production build, or `dev` for `npm run dev` mode) on a free port. */
export async function startServer(
  opts: {
    env?: Record<string, string>;
    dataDir?: string;
    port?: number;
    dev?: boolean;
    nodeArgs?: string[];
    /** Another compiled server to run instead of dist/server.js (the benchmark's before/after comparisons). */
    script?: string;
    /**
     * How to tell it is ready: its "ready on" log line (the default), or
     * `GET /api/health` answering on `port` (which must be given), for a
     * server whose LOG_LEVEL leaves that info line out.
     */
    readyBy?: "log" | "health";
  } = {},
): Promise<TestServer> {
  if (!opts.dev) assertBuilt();
  const dbEnv = onPostgres && !opts.env?.DATABASE_URL ? await postgresEnv() : {};
  const embedded = !("DATABASE_URL" in dbEnv) && !opts.env?.DATABASE_URL;
  // Development mode needs no build, hence maybe no template (it is made by the build's server);
  // with one there, it starts from a copy too, its migration and seed are not what it tests.
  const template = embedded && (!opts.dev || fs.existsSync(path.join(ROOT, "dist", "build-stamp.txt")));
  const dataDir = opts.dataDir ?? (template ? await copyOfTemplate() : makeTempDir());
  const env: Record<string, string> = {
    ...cleanEnv(),
    ...dbEnv,
    NODE_ENV: opts.dev ? "development" : "production",
    PORT: String(opts.port ?? 0),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    DEMO_PASSWORD,
    NEXT_TELEMETRY_DISABLED: "1",
    ...(opts.dev ? {} : processEnv()),
    ...TEST_CREATION_LIMITS,
    ...opts.env,
  };
  // Production runs the compiled server (dist/server.js, as `npm start` and PM2 do); dev runs server.ts under tsx.
  // `nodeArgs` (e.g. --cpu-prof for the benchmark) go before the entry.
  // Production starts with the options `npm start` and PM2 use (src/server/process-options.cjs).
  const entry = [...(opts.dev ? [] : NODE_ARGS), ...(opts.nodeArgs ?? []), ...(opts.dev ? ["--import", "tsx", "server.ts"] : [opts.script ?? "dist/server.js"])];
  const proc = spawn(process.execPath, entry, { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  orphanGuard(proc);
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d));
  proc.stderr!.on("data", (d: Buffer) => (out += d));
  // "close", not "exit": by then everything the process printed has been read.
  const exited = new Promise<number | null>((resolve) => proc.once("close", (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: it would go on using the CPU the rest of the run needs.
      proc.kill("SIGKILL");
      reject(new Error(`server did not start within 90 s:\n${out}`));
    }, 90_000);
    // Only until the line is there: a server that logs every request for
    // minutes (the fuzz suite) would otherwise have its whole output scanned
    // again at every chunk.
    const check = () => {
      const m = /ready on http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout!.off("data", check);
        resolve(Number(m[1]));
      }
    };
    if (opts.readyBy === "health") {
      if (!opts.port) throw new Error("readyBy: \"health\" needs a port");
      const port = opts.port;
      const poll = async () => {
        for (;;) {
          if ((await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.ok) {
            clearTimeout(timer);
            return resolve(port);
          }
          if (proc.exitCode !== null || proc.signalCode !== null) return;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
    } else proc.stdout!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${out}`));
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    password: env.DEMO_PASSWORD ?? DEMO_PASSWORD,
    dataDir,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Cookies from a response's Set-Cookie headers, merged into a jar. */
function absorbCookies(jar: Map<string, string>, res: Response) {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair!.indexOf("=");
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === "") jar.delete(name);
    else jar.set(name, value);
  }
}

function cookieHeader(jar: Map<string, string>) {
  return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
}

/**
 * Sign in through next-auth's credentials flow exactly as a browser form
 * does (CSRF token, then the callback). Returns the Cookie header to send.
 */
export async function signIn(baseUrl: string, email: string, password = DEMO_PASSWORD, headers: Record<string, string> = {}): Promise<string> {
  const jar = new Map<string, string>();
  const csrfRes = await fetch(`${baseUrl}/api/auth/csrf`, { headers });
  absorbCookies(jar, csrfRes);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  absorbCookies(jar, res);
  if (![...jar.keys()].some((k) => k.includes("session-token"))) {
    throw new Error(`sign-in failed for ${email}: HTTP ${res.status}`);
  }
  return cookieHeader(jar);
}

/** A JSON API call with a session cookie. */
export async function api<T = unknown>(
  baseUrl: string,
  cookie: string | undefined,
  method: string,
  pathname: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl}${pathname}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T };
}

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A connected socket.io-client socket, or a rejection with the connect_error message. */
export function connectSocket(
  baseUrl: string,
  cookie: string | undefined,
  opts: {
    transports?: ("websocket" | "polling")[];
    origin?: string;
    extraHeaders?: Record<string, string>;
    /** Reconnect automatically like the browser client does (off by default, so drops surface). */
    reconnection?: boolean;
  } = {},
): Promise<ClientSocket> {
  const socket: ClientSocket = io(baseUrl, {
    path: "/socket.io/",
    transports: opts.transports ?? ["websocket"],
    reconnection: opts.reconnection ?? false,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1000,
    forceNew: true,
    timeout: 10_000,
    extraHeaders: { ...(cookie ? { cookie } : {}), ...(opts.origin ? { origin: opts.origin } : {}), ...opts.extraHeaders },
  });
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      socket.close();
      reject(e);
    };
    socket.once("connect", () => {
      socket.off("connect_error", onError);
      resolve(socket);
    });
    socket.once("connect_error", onError);
  });
}

/** Resolve with the next `event` on `socket`, or reject after `ms`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  predicate: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  ms = 10_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler as never);
      reject(new Error(`no ${String(event)} within ${ms} ms`));
    }, ms);
    const handler = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler as never);
      resolve(payload);
    };
    socket.on(event, handler as never);
  });
}

/** Collect every `event` on `socket` into an array (for asserting absence). */
export function collect<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E) {
  const seen: Array<Parameters<ServerToClientEvents[E]>[0]> = [];
  socket.on(event, ((p: Parameters<ServerToClientEvents[E]>[0]) => seen.push(p)) as never);
  return seen;
}
