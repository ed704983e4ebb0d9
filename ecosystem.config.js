/**
 * PM2 process file for Tandem: `pm2 startOrReload ecosystem.config.js --update-env`
 * (deploy/deploy.sh does that, one process at a time).
 *
 * Fork mode with one app and one port per process, never cluster mode: PM2's cluster
 * mode shares one port through the Node cluster module, which hands each HTTP request
 * to any worker, so Socket.IO long-polling requests land on a process that does not
 * know the session and get 400 "Session ID unknown" (socketio/socket.io#4881).
 * Separate ports let nginx or HAProxy route each client to the same process every time.
 *
 * Settings read here (all optional):
 *   INSTANCES           number of processes (default 2); more than 1 needs DATABASE_URL
 *                       and REDIS_URL, because the embedded database belongs to one process
 *                       and rooms are shared through Redis
 *   BASE_PORT           port of tandem-1 (default 3001); tandem-N listens on BASE_PORT+N-1,
 *                       which must match the upstream lists in nginx.conf / haproxy.cfg
 *   MAX_MEMORY_RESTART  PM2 restarts a process above this resident size (default 512M)
 *   LOG_DIR             where PM2 writes tandem-N.{out,err}.log (default ./logs)
 * Everything the app itself reads is passed through from the environment PM2 is run in.
 *
 * Plain CommonJS with no dependencies, so `node -e 'require("./ecosystem.config.js")'`
 * works and deploy.sh can read the port list without PM2.
 */
"use strict";

const path = require("node:path");
// How every server process is started (the V8 worker pool, malloc arenas): see that file.
const { NODE_ARGS, processEnv } = require("./src/server/process-options.cjs");

/** Variables the app validates in src/server/env.ts; PORT and NODE_ENV are set per app below. */
const PASS_THROUGH = [
  "HOST",
  "APP_URL",
  "DATA_DIR",
  "DATABASE_URL",
  "REDIS_URL",
  "NEXTAUTH_SECRET",
  "MAX_UPLOAD_MB",
  "DEMO_PASSWORD",
  "SESSION_RECHECK_SECONDS",
  "SOCKET_RATE_LIMIT",
  "TRUSTED_PROXIES",
  "SIGNIN_MAX_CONSECUTIVE_FAILS",
  "SIGNIN_MAX_FAILS_PER_IP_DAY",
  "SOCKET_MAX_PER_USER",
  "SOCKET_MAX_PER_ADDRESS",
  "SOCKET_USER_EVENT_LIMIT",
  "SOCKET_MAX_ROOMS",
  "PRESENCE_TTL_SECONDS",
  "TICKET_CREATE_LIMIT",
  "COMMENT_CREATE_LIMIT",
  "UPLOAD_LIMIT",
  "UPLOAD_QUOTA_MB",
  "ENGINE_POLL_MS",
  "LOG_LEVEL",
  "METRICS_TOKEN",
  "LIST_STATEMENT_TIMEOUT_MS",
  "SMTP_URL",
  "MAIL_FROM",
  "MAIL_DELAY_SECONDS",
  "MAIL_MAX_ATTEMPTS",
  "MAIL_RETRY_SECONDS",
];

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

const instances = positiveInt("INSTANCES", 2);
const basePort = positiveInt("BASE_PORT", 3001);
if (basePort + instances - 1 > 65535) {
  throw new Error(`BASE_PORT ${basePort} + INSTANCES ${instances} runs past port 65535`);
}

/** Ports of tandem-1..N in order; deploy.sh health-checks each one after a reload. */
const ports = Array.from({ length: instances }, (_, i) => basePort + i);

const passedEnv = {};
for (const name of PASS_THROUGH) {
  if (process.env[name] !== undefined && process.env[name] !== "") passedEnv[name] = process.env[name];
}
// The proxy runs on this host and is the only way in: keep app ports off public
// interfaces unless HOST says otherwise (set HOST=0.0.0.0 for a proxy on another host).
passedEnv.HOST ??= "127.0.0.1";
// next-auth v4 reads NEXTAUTH_URL (callback URLs, and https:// there selects the
// __Secure- cookie names): server.ts sets it to APP_URL as it starts, whatever is passed.

const logDir = path.resolve(__dirname, process.env.LOG_DIR || "logs");

const apps = ports.map((port, i) => {
  const name = `tandem-${i + 1}`;
  return {
    name,
    cwd: __dirname,
    // server.ts compiled by `npm run build` (scripts/build-server.mjs): plain JavaScript,
    // no TypeScript compiler at start-up. PM2's fork container requires it, so it must
    // stay CommonJS without top-level await.
    script: "dist/server.js",
    interpreter: "node",
    // Not minified, so stack traces read as is; NODE_OPTIONS=--enable-source-maps maps them to
    // server.ts and src/ (dist/server.js.map) at about 0.25 s more per start.
    node_args: NODE_ARGS.join(" "),
    exec_mode: "fork",
    instances: 1,
    autorestart: true,
    watch: false,
    // server.ts sends "ready" once it listens. PM2 then (and only then) counts the start as
    // done and moves on to the next app, which is what makes a reload one-by-one.
    wait_ready: true,
    // Start-up applies pending migrations. Past this PM2 stops waiting for "ready",
    // marks the app online anyway and goes on to replace the next one.
    listen_timeout: 60_000,
    // Graceful shutdown takes up to ~10 s (drain requests, close sockets and DB); SIGKILL after 15 s.
    kill_timeout: 15_000,
    max_memory_restart: process.env.MAX_MEMORY_RESTART || "512M",
    // A crash loop (database down, bad env) backs off instead of spinning.
    exp_backoff_restart_delay: 200,
    out_file: path.join(logDir, `${name}.out.log`),
    error_file: path.join(logDir, `${name}.err.log`),
    merge_logs: true,
    time: true,
    env: {
      ...processEnv(),
      ...passedEnv,
      NODE_ENV: "production",
      PORT: String(port),
    },
  };
});

module.exports = { apps, ports };
