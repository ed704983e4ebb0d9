/**
 * Failures that say what they are (issue 8 §2), against real processes: the
 * DATA_DIR lock under kill -9 and stale PIDs, start-up errors that name the
 * cause and path, a full disk (a real 1 MiB tmpfs), and a real PostgreSQL
 * stopped and restarted under a running server (HTTP 503 + Retry-After; a
 * socket that retries by itself and gets back in; signed-out stays final).
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { io } from "socket.io-client";
import { retryWhenUnavailable } from "../../src/client/retry-unavailable";
import { HANDSHAKE_RETRY, HANDSHAKE_UNAUTHORIZED } from "../../src/shared/realtime-handshake";
import { api, connectSocket, copyOfTemplate, DEMO_PASSWORD, makeTempDir, ROOT, SEEDED_DATABASE, signIn, startSeededPostgres, startServer, type TestServer } from "../helpers/server";

const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

/** Run server.ts until it exits (it must fail before serving); returns exit code and output. */
function runUntilExit(env: Record<string, string>): { code: number | null; output: string } {
  const clean = { ...(process.env as Record<string, string>) };
  for (const k of ["DATABASE_URL", "REDIS_URL", "APP_URL", "NEXTAUTH_SECRET", "TANDEM_TEST_DB"]) delete clean[k];
  const r = spawnSync(process.execPath, ["dist/server.js"], {
    cwd: ROOT,
    env: { ...clean, NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1", DEMO_PASSWORD, ...env },
    encoding: "utf8",
    timeout: 90_000,
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Mount a tmpfs (we run as root in CI); a failure to mount fails the test with the reason instead of skipping. */
function mountTmpfs(dir: string, options: string) {
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "pipe" });
  } catch (e) {
    assert.fail(`this test needs to mount a tmpfs (as root) to simulate the failure; mount failed: ${(e as Error).message}`);
  }
  return () => execFileSync("umount", ["-l", dir], { stdio: "pipe" });
}

test("the DATA_DIR lock: kill -9 then an immediate restart starts; a stale PID does not block; a live server still does", { skip: process.env.TANDEM_TEST_DB === "postgres" && "embedded database only" }, async () => {
  // A seeded data dir: the lock, not the first start's migration, is the point.
  const dataDir = await copyOfTemplate();
  // The first server's parent is `sleep`, which never reaps children: once killed with -9 it stays
  // a zombie, the case where `kill(pid, 0)` still succeeds and a PID-file lock refused to start.
  const log = path.join(makeTempDir(), "first.log");
  const clean = { ...(process.env as Record<string, string>) };
  for (const k of ["DATABASE_URL", "REDIS_URL", "APP_URL", "NEXTAUTH_SECRET", "TANDEM_TEST_DB"]) delete clean[k];
  const parent = spawn("sh", ["-c", `"${process.execPath}" dist/server.js >"${log}" 2>&1 & echo $! >"${log}.pid"; exec sleep 600`], {
    cwd: ROOT,
    env: { ...clean, NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, DEMO_PASSWORD } as unknown as NodeJS.ProcessEnv,
    stdio: "ignore",
  });
  let firstPid = 0;
  try {
    for (let i = 0; !/ready on http/.test(fs.existsSync(log) ? fs.readFileSync(log, "utf8") : ""); i++) {
      assert.ok(i < 900, `the first server did not start:\n${fs.existsSync(log) ? fs.readFileSync(log, "utf8") : ""}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    firstPid = Number(fs.readFileSync(`${log}.pid`, "utf8"));
    // A live holder: the second start is refused, naming the directory and the holder.
    await assert.rejects(startServer({ dataDir }), (e: Error) => {
      assert.match(e.message, new RegExp(`DATA_DIR ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is in use by process ${firstPid}`));
      return true;
    });
    process.kill(firstPid, "SIGKILL");
    for (let i = 0; !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${firstPid}/status`, "utf8")); i++) {
      assert.ok(i < 100, "the killed server should be a zombie");
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(firstPid, 0); // still "alive" to kill(pid, 0): this is what a PID file cannot tell apart
    const second = await startServer({ dataDir });
    servers.push(second);
    assert.equal((await api(second.url, undefined, "GET", "/api/health")).status, 200);
    assert.equal(await second.stop(), 0);
    // A lock file naming a live, unrelated process (this test runner) blocks nothing.
    fs.writeFileSync(path.join(dataDir, "tandem.lock"), String(process.pid));
    const third = await startServer({ dataDir });
    servers.push(third);
    assert.equal((await api(third.url, undefined, "GET", "/api/health")).status, 200);
    assert.equal(await third.stop(), 0);
  } finally {
    if (firstPid) process.kill(firstPid, "SIGKILL");
    parent.kill("SIGKILL");
  }
});

test("start-up errors name the cause and the path, without Prisma's banner", { skip: process.env.TANDEM_TEST_DB === "postgres" && "embedded database only" }, async () => {
  const base = makeTempDir();
  // A missing parent directory (an unmounted volume, a typo) is not created behind the operator's back.
  const missing = path.join(base, "not-mounted", "data");
  const r1 = runUntilExit({ DATA_DIR: missing });
  assert.equal(r1.code, 1, r1.output);
  assert.match(r1.output, /failed to start: DATA_DIR .*not-mounted\/data: its parent directory .*not-mounted does not exist/);
  assert.ok(!fs.existsSync(path.dirname(missing)));

  // An unwritable DATA_DIR (a read-only filesystem: root ignores permission bits).
  const readOnly = path.join(base, "ro");
  const unmount = mountTmpfs(readOnly, "ro,size=1m");
  try {
    const r2 = runUntilExit({ DATA_DIR: readOnly });
    assert.equal(r2.code, 1, r2.output);
    assert.match(r2.output, /failed to start: DATA_DIR .*\/ro is not writable \(EROFS\): it is on a read-only filesystem/);
  } finally {
    unmount();
  }

  // A corrupt embedded database: one a server made and stopped cleanly (a copy of the tests'
  // template), then its control file is overwritten with garbage.
  const dataDir = await copyOfTemplate();
  fs.writeFileSync(path.join(dataDir, "pglite", "global", "pg_control"), Buffer.alloc(8192, 0x5a));
  const r3 = runUntilExit({ DATA_DIR: dataDir });
  assert.equal(r3.code, 1, r3.output);
  const pglite = path.join(dataDir, "pglite").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  assert.match(r3.output, new RegExp(`failed to start: The embedded database in ${pglite} cannot be opened; it is probably corrupt`));
  assert.doesNotMatch(r3.output, /Loaded Prisma config|Prisma schema loaded/);
});

test("a full disk: uploads get 507 STORAGE_FULL, no temp file is left, /api/ready reports it", async () => {
  const dataDir = await copyOfTemplate();
  const uploads = path.join(dataDir, "uploads");
  // The uploads live on a 1 MiB tmpfs of their own, so "full" is real and cheap.
  const unmount = mountTmpfs(uploads, "size=1m");
  let server: TestServer | undefined;
  try {
    server = await startServer({ dataDir });
    const cookie = await signIn(server.url, "alice@example.com");
    const created = await api<{ id: string }>(server.url, cookie, "POST", "/api/tickets", { title: "Disk full", description: "Attach something" });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const ok = await api<{ disk: string }>(server.url, undefined, "GET", "/api/ready");
    assert.equal(ok.body.disk, "ok", JSON.stringify(ok.body));

    // 9 MiB (under the 10 MB limit) onto 1 MiB: the disk fills with 8 MiB still
    // to come, more than the connection buffers hold. The client must still
    // get the 507, not a reset connection ("fetch failed", a browser's
    // "network error").
    const form = new FormData();
    form.append("file", new Blob([Buffer.alloc(9 * 1024 * 1024, 1)]), "big.bin");
    const res = await fetch(`${server.url}/api/tickets/${created.body.id}/attachments`, { method: "POST", headers: { cookie }, body: form });
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(res.status, 507, JSON.stringify(body));
    assert.equal(body.error.code, "STORAGE_FULL");
    assert.match(body.error.message, /disk is full/);
    assert.deepEqual(fs.readdirSync(path.join(uploads, "tmp")), [], "no partial upload is left behind");

    // Fill it up: readiness reports the full disk (and stays 200: reads still work).
    fs.writeFileSync(path.join(uploads, "filler"), Buffer.alloc(1000 * 1024));
    const full = await api<{ status: string; disk: string }>(server.url, undefined, "GET", "/api/ready");
    assert.equal(full.status, 200);
    assert.equal(full.body.status, "degraded");
    assert.equal(full.body.disk, "full");
  } finally {
    if (server) await server.stop();
    unmount();
  }
});

test("PostgreSQL stopped under a running server: 503 + Retry-After, sockets retry and get back in; signed out stays final", async () => {
  const pg = await startSeededPostgres();
  process.once("exit", () => pg.kill());
  try {
    const url = await pg.createDatabase(undefined, SEEDED_DATABASE);
    const env = { DATABASE_URL: url, DEMO_PASSWORD, NEXTAUTH_SECRET: "test-secret-of-at-least-32-characters" };
    const server = await startServer({ env });
    servers.push(server);
    const cookie = await signIn(server.url, "alice@example.com");

    // A socket set up like the browser's: reconnection on, plus the browser's retry of "unavailable".
    const socket = io(server.url, { path: "/socket.io/", transports: ["websocket"], reconnectionDelay: 200, reconnectionDelayMax: 1000, forceNew: true, extraHeaders: { cookie } });
    const errors: string[] = [];
    socket.on("connect_error", (e) => errors.push(e.message));
    const stopRetrying = retryWhenUnavailable(socket);
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));

    await pg.halt();
    // The database is down: a coded 503 the client can retry, not a 500.
    const down = await fetch(`${server.url}/api/tickets`, { headers: { cookie } });
    const downBody = (await down.json()) as { error: { code: string; message: string } };
    assert.equal(down.status, 503, JSON.stringify(downBody));
    assert.equal(downBody.error.code, "UNAVAILABLE");
    assert.match(downBody.error.message, /database is unreachable/);
    assert.ok(Number(down.headers.get("retry-after")) > 0, "Retry-After is set");
    const ready = await api<{ database: string }>(server.url, undefined, "GET", "/api/ready");
    assert.equal(ready.status, 503);

    // Drop the socket's transport: it reconnects, and the handshake cannot check the session.
    const refused = new Promise<void>((resolve) => socket.on("connect_error", (e) => e.message === HANDSHAKE_RETRY && resolve()));
    socket.io.engine.close();
    await refused;
    assert.ok(!errors.includes(HANDSHAKE_UNAUTHORIZED), `not "unauthorized": ${errors.join(", ")}`);

    // A socket with no session is still refused for good, database or not.
    await assert.rejects(connectSocket(server.url, undefined), (e: Error) => e.message === HANDSHAKE_UNAUTHORIZED);

    // PostgreSQL comes back: the socket gets in by itself and HTTP works again, with no app restart.
    const back = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    await pg.resume();
    await back;
    assert.ok(socket.connected);
    const again = await api(server.url, cookie, "GET", "/api/tickets");
    assert.equal(again.status, 200, JSON.stringify(again.body));
    stopRetrying();
    socket.close();

    // A session revoked from elsewhere gets the final error, not a retry.
    const other = await signIn(server.url, "alice@example.com");
    assert.equal((await api(server.url, other, "POST", "/api/sessions/revoke-others")).status, 200);
    await assert.rejects(connectSocket(server.url, cookie), (e: Error) => e.message === HANDSHAKE_UNAUTHORIZED);
    assert.equal(await server.stop(), 0);
  } finally {
    // pg.stop() awaits the exit of an unref'd child: keep the loop alive meanwhile.
    const keepAlive = setInterval(() => undefined, 1000);
    await pg.stop();
    clearInterval(keepAlive);
  }
});
