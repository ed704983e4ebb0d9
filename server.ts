/**
 * Tandem's one process: Next.js (App Router) and Socket.IO on a single
 * http.Server and port. Boot order matters: lock the data dir, migrate, open
 * the database, seed the demo (embedded only), then serve.
 */
import "./src/server/server-only-shim.cjs";
import "./src/server/wasm-tiering";
import { EventEmitter } from "node:events";
import http from "node:http";
import type { Socket } from "node:net";
import next from "next";
import { sweepStaleUploads } from "./src/server/attachments/sweep-stale-uploads";
import { sweepUnsentAttachments } from "./src/server/attachments/sweep-unsent-attachments";
import { refuseMalformedRequest } from "./src/server/http/refuse-malformed-request";
import { openDatabase, lockDataDir } from "./src/server/db/open";
import { env as readEnv } from "./src/server/env";
import { checkCrossSite } from "./src/server/http/cross-site";
import { FORWARDED_HEADER, forwardedByProxy, REMOTE_ADDR_HEADER } from "./src/server/http/remote-addr";
import { isApiPath, newNonce, securityHeaders } from "./src/server/http/security-headers";
import { closeLimiterStore, connectLimiterStore } from "./src/server/limits/store";
import { createRealtimeServer } from "./src/server/realtime/create-realtime-server";
import { startEngine } from "./src/server/engine/start-engine";
import { createNotificationProcessor } from "./src/server/notifications/notification-processor";
import { createSearchProcessor } from "./src/server/search/search-processor";
import { createMailProcessor } from "./src/server/mail/mail-processor";
import { type MailWorker, startMailWorker } from "./src/server/mail/mail-worker";
import { reportProcessStatus } from "./src/server/realtime/process-status";
import { runtime } from "./src/server/runtime";
import { flushSessionTouches } from "./src/server/sessions/find-session-user";
import { PROJECT_ROOT } from "./src/server/project-root";
import { explainMigrationFailure } from "./src/server/failures/explain-startup-error";
import { pendingMigrations, runMigrations } from "./src/server/setup/migrate";
import { makeDataDirPrivate, PRIVATE_UMASK } from "./src/server/setup/private-data-dir";
import { checkUploadStore } from "./src/server/setup/check-upload-store";
import { generatePassword, resolveAuthSecret } from "./src/server/setup/secrets";
import { seedDemo, DEMO_USERS } from "./src/server/setup/seed-demo";
import { SHUTDOWN_GRACE_MS } from "./src/server/timeouts";
import { keepDeclaredLength } from "./src/server/http/content-length";
import { directRouteOf, serveDirect } from "./src/server/http/direct-routes";
import { createLingering } from "./src/server/http/linger";
import { log, requestContext, setLogLevel } from "./src/server/log";
import { logWhenDone, observeRequests, requestIdOf } from "./src/server/http/request-log";
import { countMemoryTrim, countSocketsWith, countStreamRead, observeHttp, observeQuery } from "./src/server/metrics/metrics";
import { loadMallocTrim, startIdleTrim } from "./src/server/memory/idle-trim";
import { isMetricsRequest, serveMetrics } from "./src/server/metrics/serve-metrics";

// Next phones home by default; self-hosted installs (often offline) should not.
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

async function main() {
  // Everything this process and its children (the migration step) create is
  // private to the service user: the database, uploads, the session secret.
  process.umask(PRIVATE_UMASK);
  const env = readEnv();
  setLogLevel(env.LOG_LEVEL);
  const dev = env.NODE_ENV !== "production";
  const releaseLock = env.embedded ? await lockDataDir(env.dataDir) : () => undefined;
  // On PostgreSQL DATA_DIR is made only once the database has said it may be (checkUploadStore below).
  if (env.embedded) makeDataDirPrivate(env.dataDir);

  // next-auth reads these itself; set them before Next loads.
  process.env.NEXTAUTH_SECRET = resolveAuthSecret(env);
  process.env.NEXTAUTH_URL = env.APP_URL;
  env.NEXTAUTH_SECRET = process.env.NEXTAUTH_SECRET;

  // A restart with nothing to migrate opens the database once and goes on;
  // otherwise Prisma's CLI applies what is pending (the embedded database
  // allows one opener, so it is closed meanwhile and opened again after).
  let database = await openDatabase(env, observeQuery).catch(async (e: unknown) => {
    throw await explainMigrationFailure(env, e);
  });
  const pending = await pendingMigrations((sql) => database.prisma.$queryRawUnsafe(sql));
  if (pending.length > 0) {
    if (env.embedded) await database.close();
    await runMigrations(env).catch(async (e: unknown) => {
      throw await explainMigrationFailure(env, e);
    });
    if (env.embedded) database = await openDatabase(env, observeQuery);
  }
  // An unmounted volume must not pass for an empty DATA_DIR.
  await checkUploadStore(env.dataDir, env.uploadDir, () => database.prisma.attachment.count());
  await sweepStaleUploads(env.uploadDir);
  // PGlite's initdb writes its config files with explicit modes (0640, 0750).
  makeDataDirPrivate(env.dataDir);
  runtime().prisma = database.prisma;
  runtime().sql = database.sql;
  // Files uploaded from a reply box and never sent: at start, then hourly.
  const sweepUnsent = () =>
    sweepUnsentAttachments(database.prisma, env.uploadDir).catch((e: unknown) => log.error({ err: e }, "[tandem] sweeping unsent attachments failed"));
  await sweepUnsent();
  setInterval(() => void sweepUnsent(), 60 * 60 * 1000).unref();

  if (env.embedded && (await database.prisma.user.count()) === 0) {
    const password = env.DEMO_PASSWORD ?? generatePassword();
    await seedDemo(database.prisma, password);
    // warn, not info: the only time the password is shown, so it must survive LOG_LEVEL=warn.
    log.warn(
      `[tandem] Seeded demo accounts (${DEMO_USERS.map((u) => u.email).join(", ")})` +
        (env.DEMO_PASSWORD ? " with DEMO_PASSWORD." : ` with password: ${password}\n[tandem] It is shown only this once.`),
    );
  }

  // On its first request Next attaches its upgrade listener (HMR in
  // development) to `httpServer`, or to the request's server, and there it
  // closes upgrades it does not own, Socket.IO's included
  // (vercel/next.js#50461). Give it a stand-in emitter instead and forward to
  // it only the upgrades that are not Socket.IO's.
  const nextUpgrades = new EventEmitter();
  const app = next({ dev, dir: PROJECT_ROOT, hostname: "localhost", port: env.PORT, httpServer: nextUpgrades as http.Server });
  await app.prepare();
  const handle = app.getRequestHandler();

  // Route handlers read only the path and query of a request's URL.
  const apiOrigin = new URL(env.APP_URL).origin;
  let stopping = false;
  const lingering = createLingering();
  const server = http.createServer((req, res) => requestContext.run({ reqId: requestIdOf(req, res) }, () => serve(req, res)));
  const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
    logWhenDone(req, res);
    // Once shutting down, every response closes its connection, so keep-alive
    // clients cannot hold the process open after their request finished.
    if (stopping) res.setHeader("Connection", "close");
    // Route handlers see only a Web Request: they learn the peer's address
    // (/api/ready, src/server/http/client-address.ts) only from this header,
    // which is ours alone: whatever a client sent under the name is dropped.
    req.headers[REMOTE_ADDR_HEADER] = req.socket.remoteAddress ?? "";
    if (forwardedByProxy(req.headers)) req.headers[FORWARDED_HEADER] = "1";
    else delete req.headers[FORWARDED_HEADER];
    // Next stamps the nonce it finds in the request's CSP on its scripts.
    const headers = securityHeaders({ nonce: isApiPath(req.url) ? null : newNonce(), dev, https: env.APP_URL.startsWith("https://") });
    req.headers["content-security-policy"] = headers["Content-Security-Policy"];
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (isMetricsRequest(req.url)) return void serveMetrics(req, res, env.METRICS_TOKEN);
    const crossSite = checkCrossSite(req.method, req.headers, env);
    if (!crossSite.allowed) return refuseCrossSite(req, res);
    // Undecodable URLs and POSTs to pages are refused here, before Next answers them with a 500.
    if (refuseMalformedRequest(req, res)) return;
    // Next drops a route handler's Content-Length; downloads declare theirs this way.
    keepDeclaredLength(res);
    // The API's JSON routes skip Next's request pipeline (src/server/http/direct-routes.ts).
    const direct = dev ? null : directRouteOf(req.method, req.url);
    if (direct) return void serveDirect(direct, req, res, apiOrigin);
    void handle(req, res);
  };
  // Idle keep-alive connections must not hold shutdown open.
  server.keepAliveTimeout = 65_000;

  const realtime = createRealtimeServer(server, env, { prisma: database.prisma });
  // Connections close lingering, not reset, when a response ends one the
  // client is still sending on, and what the parser refuses is answered that
  // way too (http/linger.ts). Added after Socket.IO's attach, which wraps the
  // request listeners added before it: this one sees its polling requests too.
  server.on("request", lingering.onRequest);
  server.on("clientError", lingering.onClientError);
  countSocketsWith(() => realtime.io.of("/").sockets.size);
  observeRequests(observeHttp);
  // The event stream's processors, started before the port opens so the relay
  // delivers everything that commits from now on (see src/server/engine).
  let mailWorker: MailWorker | undefined;
  const engineLog = (msg: string, e?: unknown) =>
    log.error(e ? { err: e } : {}, `[tandem] ${msg}${e ? `: ${e instanceof Error ? e.message : String(e)}` : ""}`);
  const engine = await startEngine({
    prisma: database.prisma,
    sql: database.sql,
    databaseUrl: env.DATABASE_URL,
    // The relay runs in every process; notifications, the search index and
    // mail in one process at a time (cluster scope), from cursors stored in
    // the database.
    processors: [
      realtime.relay,
      createNotificationProcessor({ prisma: database.prisma, sql: database.sql, emitToUser: realtime.emitToUser }),
      createSearchProcessor({ prisma: database.prisma, sql: database.sql }),
      createMailProcessor({
        prisma: database.prisma,
        enabled: env.mailEnabled,
        delaySeconds: env.MAIL_DELAY_SECONDS,
        appUrl: () => env.APP_URL,
        secret: env.NEXTAUTH_SECRET,
        wakeWorker: () => mailWorker?.wake(),
      }),
    ],
    pollMs: env.ENGINE_POLL_MS,
    log: engineLog,
    onStreamRead: countStreamRead,
  });
  runtime().wake = engine.wake;
  if (env.SMTP_URL) {
    // Loaded only when mail is on: nodemailer costs about 45 ms of CPU and
    // 3 MB of heap at a start that never sends (the bundle keeps it lazy).
    const { describeSmtpUrl, smtpTransport } = await import("./src/server/mail/smtp-transport");
    // Under the engine's leases, so it sends from the process that holds them (see src/server/mail/mail-worker.ts).
    mailWorker = startMailWorker({
      prisma: database.prisma,
      lease: engine.lease,
      transport: smtpTransport(env.SMTP_URL, env.mailFrom),
      appUrl: () => env.APP_URL,
      secret: env.NEXTAUTH_SECRET,
      maxAttempts: env.MAIL_MAX_ATTEMPTS,
      retrySeconds: env.MAIL_RETRY_SECONDS,
      pollMs: env.ENGINE_POLL_MS,
      log: { info: (m) => log.info(`[tandem] ${m}`), warn: (m) => log.warn(`[tandem] ${m}`), error: engineLog },
    });
    // Invites are queued by requests, not by the processor: they wake it this way.
    runtime().wakeMailWorker = () => mailWorker?.wake();
    log.info(`[tandem] mail: on, via ${describeSmtpUrl(env.SMTP_URL)} from ${env.mailFrom}, after ${env.MAIL_DELAY_SECONDS} s unless read in the app`);
  } else {
    log.info("[tandem] mail: off (SMTP_URL is unset); no email notifications are sent");
  }
  await connectLimiterStore();
  server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    if (req.url?.startsWith("/socket.io/")) return; // engine.io's own listener takes it
    // Before Next has seen a request it has no listener yet; the HMR client retries.
    if (!nextUpgrades.emit("upgrade", req, socket, head)) socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, env.HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  if (!env.appUrlConfigured && port !== env.PORT) {
    // PORT=0 picked a free port: the derived public URL must name the real one.
    env.APP_URL = env.appOrigin = `http://localhost:${port}`;
    process.env.APP_URL = process.env.NEXTAUTH_URL = env.APP_URL;
  }
  let stopReporting: () => Promise<void> = async () => undefined;
  let stopTrimming: () => void = () => undefined;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    runtime().shuttingDown = true;
    log.info(`[tandem] ${signal}: shutting down`);
    // Which step is still running, so a shutdown that overruns says why.
    let step = "closing Socket.IO";
    const force = setTimeout(() => {
      log.error(`[tandem] shutdown took too long (still ${step}); exiting`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // Stop accepting; in-flight requests finish; idle keep-alive sockets close.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Connections of in-flight requests turn idle when their response ends.
    server.closeIdleConnections();
    const reaper = setInterval(() => server.closeIdleConnections(), 200);
    await realtime.close();
    step = "waiting for in-flight requests";
    await closed;
    clearInterval(reaper);
    stopTrimming();
    step = "removing this process's status";
    await stopReporting();
    step = "stopping the mail worker";
    runtime().wakeMailWorker = undefined;
    // Before the engine: the worker sends under the engine's lease.
    await mailWorker?.stop();
    step = "stopping the event processors";
    runtime().wake = undefined;
    await engine.close();
    step = "closing Next.js";
    await app.close?.();
    step = "recording the sessions' last use";
    // The handshakes' (this bundle's); Next's route handlers keep their own copy
    // of the module, whose last second of uses a stop may leave unwritten.
    await flushSessionTouches();
    step = "closing the rate-limit store";
    await closeLimiterStore();
    step = "closing the database";
    await database.close();
    releaseLock();
    log.info("[tandem] stopped");
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  // PM2 on some platforms sends a "shutdown" message instead of a signal.
  process.on("message", (msg) => {
    if (msg === "shutdown") void shutdown("shutdown message");
  });

  // Only now, with the signal handlers in place: whoever reads "ready" may
  // stop this process at once (a SIGTERM that came before `process.on` would
  // kill it outright instead of shutting it down).
  log.info(`[tandem] ready on http://localhost:${port} (${dev ? "development" : "production"}, ${database.kind}${env.REDIS_URL ? ", redis" : ""}) pid ${process.pid}`);
  process.send?.("ready");
  // Every process reports itself for the admin realtime page (src/app/admin/realtime).
  if (!stopping) {
    stopReporting = reportProcessStatus(database.prisma, async () => ({
      ...(await runtime().readiness!()),
      relayLagMs: realtime.relayStats().lastLagMs,
    }));
    if (env.MEMORY_TRIM_IDLE_SECONDS > 0) void trimWhenIdle(env.MEMORY_TRIM_IDLE_SECONDS).then((t) => (stopTrimming = t));
  }
}

/** Free memory back to the OS once per quiet spell (src/server/memory/idle-trim.ts); loaded after "ready", off the start's path. */
async function trimWhenIdle(idleSeconds: number): Promise<() => void> {
  const loaded = await loadMallocTrim();
  if ("unavailable" in loaded) {
    log.debug(`[tandem] freed memory is not given back when idle: ${loaded.unavailable}`);
    return () => undefined;
  }
  const trimming = startIdleTrim({
    windowMs: idleSeconds * 1000,
    trim: loaded.trim,
    onTrim: ({ freedBytes, ms }) => {
      countMemoryTrim(freedBytes);
      log.debug({ freedMB: Math.round(freedBytes / 2 ** 20), ms: Math.round(ms * 10) / 10 }, "[tandem] idle: freed memory given back to the OS");
    },
    onError: (e) => log.warn({ err: e }, "[tandem] giving freed memory back to the OS failed"),
  });
  return trimming.stop;
}

/**
 * 403 for a cross-site state-changing request, before any of it is read or
 * routed. A body declared large or of unknown length is not drained: the
 * connection closes instead (a small one Node discards by itself, keeping the
 * connection, so the client reliably reads this answer).
 */
function refuseCrossSite(req: http.IncomingMessage, res: http.ServerResponse) {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (!Number.isFinite(declared) || declared > 64 * 1024 || req.headers["transfer-encoding"]) res.setHeader("Connection", "close");
  res.statusCode = 403;
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Cache-Control", "no-store");
  res.end(JSON.stringify({ error: { code: "FORBIDDEN", message: "Cross-site request refused: send it from the app's own pages" } }));
}

main().catch((e) => {
  log.fatal(`[tandem] failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
