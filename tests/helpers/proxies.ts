/**
 * The shipped nginx.conf and haproxy.cfg, run for real by the tests: copied into a
 * temp dir with their runtime paths moved there and their addresses rewritten to
 * free loopback ports, started in the foreground, stopped afterwards. A missing
 * program fails the run (`bash .ci/run` installs it); nothing is skipped.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { freePort, makeTempDir } from "./services";

export const ROOT = path.resolve(__dirname, "../..");
export const NGINX_CONF = path.join(ROOT, "nginx.conf");
export const HAPROXY_CFG = path.join(ROOT, "haproxy.cfg");

/** Addresses as the shipped files spell them; the tests rewrite exactly these. */
export const SHIPPED = {
  app1: "127.0.0.1:3001",
  app2: "127.0.0.1:3002",
  nginx: "127.0.0.1:8080",
  haproxyApp: "127.0.0.1:8081",
  haproxyNginx: "127.0.0.1:8082",
} as const;

/** nginx.conf's absolute runtime paths (Debian's), each moved to `<dir>/<name>` in tests. */
export const NGINX_PATHS = {
  "/run/nginx-tandem.pid": "nginx.pid",
  "/var/log/nginx/tandem-error.log": "error.log",
  "/var/log/nginx/tandem-access.log": "access.log",
  "/var/lib/nginx/body": "body",
  "/var/lib/nginx/proxy": "proxy",
  "/var/lib/nginx/fastcgi": "fastcgi",
  "/var/lib/nginx/uwsgi": "uwsgi",
  "/var/lib/nginx/scgi": "scgi",
} as const;

/** Debian installs nginx and HAProxy in /usr/sbin, which is not on every user's PATH. */
export function requireBinary(name: "nginx" | "haproxy" | "openssl"): string {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  assert.fail(`${name} not installed: run bash .ci/run or apt-get install ${name}`);
}

export function tempDir(label: string): string {
  const dir = makeTempDir(`tandem-${label}-`);
  // nginx started as root runs its workers as www-data, which must reach the temp dirs.
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Copy of a shipped file with strings replaced; every one must be present. */
export function rewrite(source: string, replacements: Record<string, string>): string {
  let text = fs.readFileSync(source, "utf8");
  for (const [from, to] of Object.entries(replacements)) {
    assert.ok(text.includes(from), `${path.basename(source)} no longer contains ${from}; update tests/helpers/proxies.ts`);
    text = text.split(from).join(to);
  }
  return text;
}

export interface Daemon {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startDaemon(name: string, command: string, args: string[], cwd: string): Daemon {
  const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  return { name, child, output: () => output, exited };
}

/** Resolve once the daemon accepts TCP connections on `port`; fail if it exits first. */
export async function waitForDaemonPort(daemon: Daemon, port: number, timeoutMs = 10_000): Promise<void> {
  let exited = false;
  void daemon.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) assert.fail(`${daemon.name} exited during start-up:\n${daemon.output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${daemon.name} did not listen on ${port} within ${timeoutMs} ms:\n${daemon.output()}`);
}

export async function stopDaemon(daemon: Daemon, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return daemon.exited;
  daemon.child.kill(signal);
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 10_000).unref());
  const result = await Promise.race([daemon.exited, timeout]);
  if (result === "timeout") {
    daemon.child.kill("SIGKILL");
    assert.fail(`${daemon.name} did not stop within 10 s of ${signal}:\n${daemon.output()}`);
  }
  return result;
}

/**
 * Stop a daemon for good, for `after` hooks: SIGTERM (nginx's master then takes its
 * workers down with it; a SIGKILLed master would orphan them, holding the ports and
 * their upstream connections), SIGKILL if it is still there after 5 s.
 */
export async function terminate(daemon: Daemon | undefined): Promise<void> {
  if (!daemon || daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
  daemon.child.kill("SIGTERM");
  const timer = setTimeout(() => daemon.child.kill("SIGKILL"), 5_000);
  await daemon.exited;
  clearTimeout(timer);
}

/** A free TCP port on 127.0.0.1. */
export { freePort };

export type Nginx = {
  port: number;
  url: string;
  dir: string;
  daemon: Daemon;
  /** The error log so far. */
  errorLog(): string;
  /** Graceful stop (SIGQUIT); resolves with the exit status. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stop it if still running (see terminate) and remove the temp dir, for `after` hooks. */
  kill(): Promise<void>;
};

/**
 * The shipped nginx.conf in the foreground on `port` (free if omitted), its two
 * upstream servers pointed at `upstreams`, its pid/log/temp paths in a temp dir.
 * `edit` may change the rewritten text further (a test-only tweak must say why).
 */
export async function startNginx(opts: { upstreams: [number, number]; port?: number; edit?: (conf: string) => string }): Promise<Nginx> {
  const binary = requireBinary("nginx");
  const dir = tempDir("nginx");
  const port = opts.port ?? (await freePort());
  const paths = Object.fromEntries(Object.entries(NGINX_PATHS).map(([from, name]) => [from, path.join(dir, name)]));
  let conf = rewrite(NGINX_CONF, {
    ...paths,
    [SHIPPED.app1]: `127.0.0.1:${opts.upstreams[0]}`,
    [SHIPPED.app2]: `127.0.0.1:${opts.upstreams[1]}`,
    [SHIPPED.nginx]: `127.0.0.1:${port}`,
  });
  if (opts.edit) conf = opts.edit(conf);
  const file = path.join(dir, "nginx.conf");
  fs.writeFileSync(file, conf);
  const daemon = startDaemon("nginx", binary, ["-c", file, "-g", "daemon off;"], dir);
  try {
    await waitForDaemonPort(daemon, port);
  } catch (e) {
    await terminate(daemon);
    throw e;
  }
  const errorLogFile = path.join(dir, "error.log");
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    dir,
    daemon,
    errorLog: () => (fs.existsSync(errorLogFile) ? fs.readFileSync(errorLogFile, "utf8") : ""),
    stop: () => stopDaemon(daemon, "SIGQUIT"),
    async kill() {
      await terminate(daemon);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Haproxy = {
  /** fe_app: HAProxy balancing the app processes itself. */
  appPort: number;
  /** fe_nginx: HAProxy in front of nginx. */
  nginxFrontPort: number;
  dir: string;
  daemon: Daemon;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
};

/**
 * The shipped haproxy.cfg in the foreground: fe_app in front of `upstreams`,
 * fe_nginx in front of nginx on `nginxPort` (an unused free port if omitted).
 */
export async function startHaproxy(opts: {
  upstreams: [number, number];
  nginxPort?: number;
  appPort?: number;
  nginxFrontPort?: number;
  edit?: (cfg: string) => string;
}): Promise<Haproxy> {
  const binary = requireBinary("haproxy");
  const dir = tempDir("haproxy");
  const appPort = opts.appPort ?? (await freePort());
  const nginxFrontPort = opts.nginxFrontPort ?? (await freePort());
  let cfg = rewrite(HAPROXY_CFG, {
    [SHIPPED.app1]: `127.0.0.1:${opts.upstreams[0]}`,
    [SHIPPED.app2]: `127.0.0.1:${opts.upstreams[1]}`,
    [SHIPPED.nginx]: `127.0.0.1:${opts.nginxPort ?? (await freePort())}`,
    [SHIPPED.haproxyApp]: `127.0.0.1:${appPort}`,
    [SHIPPED.haproxyNginx]: `127.0.0.1:${nginxFrontPort}`,
  });
  if (opts.edit) cfg = opts.edit(cfg);
  const file = path.join(dir, "haproxy.cfg");
  fs.writeFileSync(file, cfg);
  const daemon = startDaemon("haproxy", binary, ["-f", file], dir);
  try {
    await waitForDaemonPort(daemon, appPort);
    await waitForDaemonPort(daemon, nginxFrontPort);
  } catch (e) {
    await terminate(daemon);
    throw e;
  }
  return {
    appPort,
    nginxFrontPort,
    dir,
    daemon,
    // SIGUSR1: HAProxy's soft stop.
    stop: () => stopDaemon(daemon, "SIGUSR1"),
    async kill() {
      await terminate(daemon);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
