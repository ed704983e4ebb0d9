/**
 * Tandem's one process: Next.js (App Router) and Socket.IO on a single
 * http.Server and port. Boot order matters: lock the data dir, migrate, open
 * the database, seed the demo (embedded only), then serve.
 */
import "./src/server/server-only-shim.cjs";
import { EventEmitter } from "node:events";
import http from "node:http";
import type { Socket } from "node:net";
import next from "next";
import { sweepStaleUploads } from "./src/server/attachments/sweep-stale-uploads";
import { openDatabase, lockDataDir } from "./src/server/db/open";
import { env as readEnv } from "./src/server/env";
import { connectLimiterStore } from "./src/server/limits/store";
import { createRealtimeServer } from "./src/server/realtime/create-realtime-server";
import { runtime } from "./src/server/runtime";
import { runMigrations } from "./src/server/setup/migrate";
import { generatePassword, resolveAuthSecret } from "./src/server/setup/secrets";
import { seedDemo, DEMO_USERS } from "./src/server/setup/seed-demo";
import { SHUTDOWN_GRACE_MS } from "./src/server/timeouts";

// Next phones home by default; self-hosted installs (often offline) should not.
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

async function main() {
  const env = readEnv();
  const dev = env.NODE_ENV !== "production";
  const releaseLock = env.embedded ? lockDataDir(env.dataDir) : () => undefined;

  // next-auth reads these itself; set them before Next loads.
  process.env.NEXTAUTH_SECRET = resolveAuthSecret(env);
  process.env.NEXTAUTH_URL = env.APP_URL;
  env.NEXTAUTH_SECRET = process.env.NEXTAUTH_SECRET;

  await runMigrations(env);
  await sweepStaleUploads(env.uploadDir);
  const database = await openDatabase(env);
  runtime().prisma = database.prisma;

  if (env.embedded && (await database.prisma.user.count()) === 0) {
    const password = env.DEMO_PASSWORD ?? generatePassword();
    await seedDemo(database.prisma, password);
    console.log(
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
  const app = next({ dev, dir: __dirname, hostname: "localhost", port: env.PORT, httpServer: nextUpgrades as http.Server });
  await app.prepare();
  const handle = app.getRequestHandler();

  let stopping = false;
  const server = http.createServer((req, res) => {
    // Route handlers see only a Web Request: hand them the socket's peer
    // (src/server/http/client-address.ts), overwriting any client-sent value.
    req.headers["x-tandem-remote-addr"] = req.socket.remoteAddress ?? "";
    // Once shutting down, every response closes its connection, so keep-alive
    // clients cannot hold the process open after their request finished.
    if (stopping) res.setHeader("Connection", "close");
    void handle(req, res);
  });
  // Idle keep-alive connections must not hold shutdown open.
  server.keepAliveTimeout = 65_000;

  const realtime = createRealtimeServer(server, env);
  connectLimiterStore();
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
  console.log(`[tandem] ready on http://localhost:${port} (${dev ? "development" : "production"}, ${database.kind}${env.REDIS_URL ? ", redis" : ""}) pid ${process.pid}`);
  process.send?.("ready");

  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    runtime().shuttingDown = true;
    console.log(`[tandem] ${signal}: shutting down`);
    const force = setTimeout(() => {
      console.error("[tandem] shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // Stop accepting; in-flight requests finish; idle keep-alive sockets close.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Connections of in-flight requests turn idle when their response ends.
    server.closeIdleConnections();
    const reaper = setInterval(() => server.closeIdleConnections(), 200);
    await realtime.close();
    await closed;
    clearInterval(reaper);
    await app.close?.();
    await database.close();
    releaseLock();
    console.log("[tandem] stopped");
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  // PM2 on some platforms sends a "shutdown" message instead of a signal.
  process.on("message", (msg) => {
    if (msg === "shutdown") void shutdown("shutdown message");
  });
}

main().catch((e) => {
  console.error("[tandem] failed to start:", e instanceof Error ? e.message : e);
  process.exit(1);
});
