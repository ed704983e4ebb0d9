/**
 * Real PostgreSQL and Redis servers for tests, from Debian's packages, started
 * on free loopback ports in temp dirs and stopped afterwards. Missing programs
 * fail loudly (`bash .ci/run` installs them); nothing is skipped.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * A new temp dir, removed when this test process exits (set
 * TANDEM_KEEP_TEMP=1 to keep them for a post-mortem). Every suite makes
 * dozens (data dirs, PostgreSQL clusters, Redis, proxies) of up to 100 MB
 * each: left behind, they filled this machine's disk within a day of runs,
 * and CI runs on the same machine. A dir renamed away (the templates) is not
 * touched.
 */
export function makeTempDir(prefix = "tandem-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  removeAtExit(dir);
  return dir;
}

const toRemove: string[] = [];
function removeAtExit(dir: string): void {
  if (process.env.TANDEM_KEEP_TEMP === "1") return;
  if (toRemove.length === 0) {
    // After the other exit handlers (registered earlier) have killed the servers that used them.
    process.on("exit", () => {
      // coreutils' rm, one for all: a server's data dir holds over a thousand
      // files, and Node's rmSync took about 0.15 CPU-seconds for one, rm 0.01.
      const rm = spawnSync("rm", ["-rf", "--", ...toRemove], { stdio: "ignore" });
      if (rm.status === 0) return;
      for (const d of toRemove) {
        try {
          fs.rmSync(d, { recursive: true, force: true, maxRetries: 2 });
        } catch {
          /* a server still writing into it: best effort */
        }
      }
    });
  }
  toRemove.push(dir);
}

/**
 * Copy a template data dir's contents into `dest` (an existing, empty dir),
 * leaving out its "ready" marker. With coreutils' cp: a data dir holds over a
 * thousand files, and Node's cpSync walks them in JavaScript (about 0.25
 * CPU-seconds a copy, against 0.15 for cp), once per test server started.
 */
export function copyTemplateInto(template: string, dest: string): void {
  const cp = spawnSync("cp", ["-R", `${template}/.`, dest], { stdio: "pipe", encoding: "utf8" });
  if (cp.status === 0) fs.rmSync(path.join(dest, "ready"), { force: true });
  else fs.cpSync(template, dest, { recursive: true, filter: (src) => path.basename(src) !== "ready" });
}

/**
 * Templates (a seeded data dir per build, a seeded PostgreSQL cluster per set
 * of migrations) that no test has made or used for a day: a new build makes a
 * new one, so the old ones would pile up. Called when a template is made.
 */
export function removeStaleTemplates(): void {
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!/^tandem-(test|pg)-template-/.test(name)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      if (fs.statSync(dir).mtimeMs < dayAgo) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* removed meanwhile by another test process */
    }
  }
}

/** A free TCP port on 127.0.0.1. */
/**
 * A port nothing listens on, for a server the test must name before it starts
 * (its APP_URL, a proxy's upstream, a PostgreSQL or Redis of its own).
 *
 * Not what listen(0) hands out: that comes from the kernel's ephemeral range,
 * which is also where every outgoing connection takes its source port, and
 * the suites open thousands of those (to PostgreSQL, Redis, the servers)
 * beside one another. Between this check and the server's own listen, which
 * takes a server start, one of them took such a port once, and the server
 * failed with EADDRINUSE (a CI run's realtime suite on PostgreSQL). Below that
 * range only another listener can take it: a port picked at random there and
 * free now stays free unless another test picks the same one meanwhile.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralPortRange();
  const low = 10_000;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralLow - low));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found between ${low} and ${ephemeralLow}`);
}

/** The kernel's range for ephemeral ports (Linux's default where it cannot be read). */
function ephemeralPortRange(): [number, number] {
  try {
    const [lo, hi] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (lo && hi && lo > 11_000) return [lo, hi];
  } catch {
    /* not Linux: its default below */
  }
  return [32_768, 60_999];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** Resolve once something accepts TCP connections on the port. */
export async function waitForPort(port: number, ms = 30_000, proc?: ChildProcess, log?: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (proc && proc.exitCode !== null) throw new Error(`process exited with ${proc.exitCode}:\n${log?.() ?? ""}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port} after ${ms} ms:\n${log?.() ?? ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Debian's PostgreSQL programs (initdb, pg_dump, …), newest version first. */
export function findPgBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const bin = path.join(root, v, "bin");
    if (fs.existsSync(path.join(bin, "initdb"))) return bin;
  }
  throw new Error("PostgreSQL is not installed: run `bash .ci/run` or `apt-get install postgresql`");
}

export type Postgres = {
  port: number;
  /** URL of a new database on this server: empty, or a copy of database `template`. */
  createDatabase(name?: string, template?: string): Promise<string>;
  stop(): Promise<void>;
  /** The cluster's data directory (stop or halt the server before copying it). */
  dataDir: string;
  /** Synchronous last-resort stop, for process exit. */
  kill(): void;
  /** The running postmaster's process id (a new one after resume()), 0 when it is not running. */
  readonly pid: number;
  /** Stop the server but keep its data (an outage); resume() starts it again on the same port. */
  halt(): Promise<void>;
  resume(): Promise<void>;
};

let dbCounter = 0;

/**
 * Start a throwaway PostgreSQL cluster: a new one (initdb), or a copy of the
 * stopped cluster in `copyOf`. PostgreSQL refuses to run as root, so as root
 * it runs as the `postgres` user the Debian package creates.
 */
/**
 * TANDEM_PG_SETTINGS: more server settings for every PostgreSQL started here,
 * after the ones above (a later one wins), e.g. `fsync=on commit_delay=2000
 * commit_siblings=0` to give the benchmark a disk that takes 2 ms to flush a
 * commit. On the command line because `fsync=off` there overrides ALTER SYSTEM.
 */
const EXTRA_SETTINGS = (process.env.TANDEM_PG_SETTINGS ?? "").split(/\s+/).filter(Boolean).flatMap((s) => ["-c", s]);

export async function startPostgres(opts: { copyOf?: string } = {}): Promise<Postgres> {
  const bin = findPgBin();
  const dir = makeTempDir("tandem-pg-");
  const asRoot = process.getuid?.() === 0;
  let ids: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    ids = { uid, gid };
    fs.chmodSync(dir, 0o700);
    fs.chownSync(dir, uid, gid);
  }
  const dataDir = path.join(dir, "data");
  // A copy of a stopped cluster (owner and modes kept) starts like a fresh initdb, seeded already.
  if (opts.copyOf) execFileSync("cp", ["-a", opts.copyOf, dataDir], { stdio: "pipe" });
  else {
    execFileSync(path.join(bin, "initdb"), ["-D", dataDir, "-U", "tandem", "--auth=trust", "-E", "UTF8", "--no-sync"], {
      ...ids,
      stdio: "pipe",
    });
  }
  const port = await freePort();
  let log = "";
  const launch = () => {
    const child = spawn(
      path.join(bin, "postgres"),
      ["-D", dataDir, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200", ...EXTRA_SETTINGS],
      { ...ids, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout!.on("data", (d: Buffer) => (log += d));
    child.stderr!.on("data", (d: Buffer) => (log += d));
    // A test process must be able to exit with the server still up (the shared
    // instance of tests/helpers/server.ts is killed on exit).
    child.unref();
    (child.stdout as unknown as { unref(): void }).unref();
    (child.stderr as unknown as { unref(): void }).unref();
    return child;
  };
  let proc = launch();
  await waitForPort(port, 30_000, proc, () => log);
  const psql = async (sql: string) => {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: `postgresql://tandem@127.0.0.1:${port}/postgres` });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  // The server may accept TCP before it accepts logins.
  const acceptingLogins = async () => {
    for (let i = 0; ; i++) {
      try {
        await psql("SELECT 1");
        break;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await acceptingLogins();
  const halt = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGINT"); // fast shutdown
    await exited;
  };
  return {
    port,
    dataDir,
    async createDatabase(name = `tandem_${process.pid}_${++dbCounter}`, template?: string) {
      await psql(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ""}`);
      return `postgresql://tandem@127.0.0.1:${port}/${name}`;
    },
    kill() {
      if (proc.exitCode === null) proc.kill("SIGINT");
    },
    get pid() {
      return proc.exitCode === null && proc.signalCode === null ? (proc.pid ?? 0) : 0;
    },
    halt,
    async resume() {
      proc = launch();
      await waitForPort(port, 30_000, proc, () => log);
      await acceptingLogins();
    },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGINT"); // fast shutdown
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type RedisServer = {
  port: number;
  url: string;
  /** Stop the server (data is not kept). */
  stop(): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
};

/** Start a throwaway redis-server on a free loopback port. */
export async function startRedis(): Promise<RedisServer> {
  const binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) => fs.existsSync(p));
  if (!binary) throw new Error("redis-server is not installed: run `bash .ci/run` or `apt-get install redis-server`");
  const port = await freePort();
  const dir = makeTempDir("tandem-redis-");
  let proc: ChildProcess | undefined;
  let log = "";
  const start = async () => {
    proc = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    proc.stdout!.on("data", (d: Buffer) => (log += d));
    proc.stderr!.on("data", (d: Buffer) => (log += d));
    await waitForPort(port, 15_000, proc, () => log);
  };
  const stop = async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc!.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    }
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}
