/**
 * Process behaviour of server.ts: the DATA_DIR lock, graceful SIGTERM,
 * persistence of data and sessions across a restart, sockets reconnecting by
 * themselves, and in-flight requests finishing during shutdown.
 *
 * Runs on the embedded database and, with TANDEM_TEST_DB=postgres, on
 * PostgreSQL, where the same DATA_DIR may be shared by several processes and
 * nothing is seeded automatically; each test asserts what its mode promises.
 *
 * The tests share one DATA_DIR (and database) and run in order (the runner
 * runs a file's tests sequentially): each hands a running server to the next.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import type { AttachmentDTO, TicketDTO } from "../../src/shared/dto";
import { api, connectSocket, emptyPostgresDatabase, makeTempDir, nextEvent, postgresEnv, ROOT, signIn, startServer, type TestServer } from "../helpers/server";
import { findPgBin } from "../helpers/services";
import { createTicket, freePort, join, streamingMultipart, until } from "./support";

const embedded = process.env.TANDEM_TEST_DB !== "postgres";
const dataDir = makeTempDir("tandem-lifecycle-");
// A DATA_DIR left readable by an older version: the first start must make it private (last test).
fs.chmodSync(dataDir, 0o755);
fs.writeFileSync(path.join(dataDir, "left-by-an-old-version"), "x", { mode: 0o644 });
/** The database every start in this file shares: none (embedded, in DATA_DIR) or one PostgreSQL database. */
let dbEnv: Record<string, string> = {};
let server: TestServer | undefined;

function start(port?: number): Promise<TestServer> {
  return startServer({ dataDir, port, env: dbEnv });
}

before(async () => {
  if (!embedded) dbEnv = await postgresEnv();
  server = await start();
});

after(async () => {
  // Only reached with a server still running when a test failed midway.
  await server?.stop();
});

test(
  embedded
    ? "a second server on the same DATA_DIR refuses to start while the first runs"
    : "on PostgreSQL, several servers share one DATA_DIR (uploads) and run side by side",
  async () => {
    assert.ok(server);
    if (!embedded) {
      const second = await start();
      try {
        assert.equal((await api(second.url, undefined, "GET", "/api/health")).status, 200);
        assert.equal((await api(server.url, undefined, "GET", "/api/health")).status, 200);
        assert.ok(!fs.existsSync(path.join(dataDir, "tandem.lock")), "no embedded-database lock");
      } finally {
        assert.equal(await second.stop(), 0);
      }
      return;
    }
    let error: Error | undefined;
    await start().then(
      async (second) => {
        await second.stop();
        assert.fail("the second server started");
      },
      (e: Error) => (error = e),
    );
    assert.ok(error);
    const code = /server exited with (\S+) before it was ready/.exec(error.message)?.[1];
    assert.ok(code !== undefined && code !== "0" && code !== "null", `exit code: ${error.message}`);
    assert.match(error.message, /DATA_DIR .* is in use by process \d+/);
    assert.ok(error.message.includes(dataDir), "the message names the directory");

    // Nor does `npm run db:migrate` (the Prisma CLI through prisma.config.ts) open it a second time.
    const clean = { ...(process.env as Record<string, string>) };
    for (const k of ["DATABASE_URL", "TANDEM_DATA_DIR_LOCK_HOLDER", "TANDEM_TEST_DB"]) delete clean[k];
    const migrate = spawnSync(process.execPath, [require.resolve("prisma/build/index.js", { paths: [ROOT] }), "migrate", "deploy"], {
      cwd: ROOT,
      env: { ...clean, DATA_DIR: dataDir, PRISMA_HIDE_UPDATE_MESSAGE: "1" } as unknown as NodeJS.ProcessEnv,
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.notEqual(migrate.status, 0, `db:migrate ran beside the server:\n${migrate.stdout}${migrate.stderr}`);
    assert.match(migrate.stdout + migrate.stderr, /DATA_DIR .* is in use by process \d+/);

    // The first one is unharmed and keeps its lock.
    assert.equal((await api(server.url, undefined, "GET", "/api/health")).status, 200);
    assert.equal(fs.readFileSync(path.join(dataDir, "tandem.lock"), "utf8"), String(server.proc.pid));
  },
);

test("SIGTERM exits 0; after a restart data and sessions persist and nothing is re-seeded", async () => {
  assert.ok(server);
  if (embedded) assert.match(server.output(), /Seeded demo accounts/, "first start seeds the empty embedded database");
  else assert.doesNotMatch(server.output(), /Seeded demo accounts/, "PostgreSQL is never seeded automatically");
  const cookie = await signIn(server.url, "alice@example.com");
  const ticket = await createTicket(server.url, cookie, { title: "Survives a restart" });
  const secretFile = path.join(dataDir, "nextauth-secret");
  // Embedded: generated once into DATA_DIR. PostgreSQL: NEXTAUTH_SECRET is required, never generated.
  assert.equal(fs.existsSync(secretFile), embedded);
  const secret = embedded ? fs.readFileSync(secretFile, "utf8") : undefined;

  const first = server;
  server = undefined;
  assert.equal(await first.stop(), 0);
  assert.match(first.output(), /\[tandem\] SIGTERM: shutting down/);
  assert.match(first.output(), /\[tandem\] stopped/);
  assert.ok(!fs.existsSync(path.join(dataDir, "tandem.lock")), "the lock is released");

  server = await start();
  assert.doesNotMatch(server.output(), /Seeded demo accounts/, "no re-seeding");
  if (embedded) assert.equal(fs.readFileSync(secretFile, "utf8"), secret, "the secret is kept");

  // The cookie from before the restart still works, over HTTP and Socket.IO.
  const got = await api<TicketDTO>(server.url, cookie, "GET", `/api/tickets/${ticket.id}`);
  assert.equal(got.status, 200, JSON.stringify(got.body));
  assert.deepEqual(got.body, ticket);
  // Asked, it also says whether it is unread for its reader (her own ticket: not).
  assert.equal((await api<TicketDTO>(server.url, cookie, "GET", `/api/tickets/${ticket.id}?unread=1`)).body.unread, false);
  const socket = await connectSocket(server.url, cookie);
  try {
    const ack = await join(socket, { ticketId: ticket.id });
    assert.deepEqual(ack, { ok: true, seq: 1, missed: [] });
  } finally {
    socket.close();
  }

  // Demo users exist once each: signing in still works with the original password.
  await signIn(server.url, "agent@example.com");
  const staff = await api<{ items: { id: string; name: string }[] }>(server.url, await signIn(server.url, "admin@example.com"), "GET", "/api/users/staff");
  assert.equal(staff.status, 200);
  assert.equal(staff.body.items.length, 2, JSON.stringify(staff.body));
});

test("open sockets survive a restart: they reconnect by themselves and rejoin without losing events", async () => {
  assert.ok(server);
  const running = server;
  const alice = await signIn(running.url, "alice@example.com");
  const agent = await signIn(running.url, "agent@example.com");
  const ticket = await createTicket(running.url, alice, { title: "Across a restart" });
  const socket = await connectSocket(running.url, alice, { reconnection: true });
  try {
    assert.deepEqual(await join(socket, { ticketId: ticket.id }), { ok: true, seq: 1, missed: [] });
    const reasons: string[] = [];
    socket.on("disconnect", (reason) => reasons.push(reason));
    const reconnected = new Promise<void>((resolve) => socket.io.once("reconnect", () => resolve()));

    server = undefined;
    assert.equal(await running.stop(), 0);
    await until(() => reasons.length > 0, "the socket to notice the shutdown");
    // Not "io server disconnect": that would tell the client its session
    // ended, and socket.io-client would never reconnect.
    assert.deepEqual(reasons, ["transport close"]);
    assert.equal(socket.active, true, "the client keeps trying");

    server = await start(running.port);
    // While the socket is still finding its way back, the ticket moves on.
    const missed = await api(server.url, agent, "POST", `/api/tickets/${ticket.id}/comments`, { body: "while you were away" });
    assert.equal(missed.status, 201);
    await reconnected;
    const ack = await join(socket, { ticketId: ticket.id, sinceSeq: 1 });
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.deepEqual(
      ack.missed.map((e) => [e.seq, e.type]),
      [[2, "comment:added"]],
      "the rejoin replays what happened while disconnected",
    );
    // Seq 2 may also come live: the restarted process delivers it when its
    // stream read comes round, which can be after the rejoin (joinTicket's
    // "both, at worst"; the client applies each seq once). What must come
    // live is the next one.
    const live = nextEvent(socket, "comment:added", (e) => e.ticketId === ticket.id && e.seq > 2);
    assert.equal((await api(server.url, agent, "POST", `/api/tickets/${ticket.id}/comments`, { body: "and now live" })).status, 201);
    const got = await live;
    assert.equal(got.seq, 3);
    assert.equal(got.data.comment.body, "and now live");
  } finally {
    socket.close();
  }
});

test("a request in flight during SIGTERM completes, then the process exits 0", async () => {
  assert.ok(server);
  const running = server;
  const cookie = await signIn(running.url, "alice@example.com");
  const ticket = await createTicket(running.url, cookie, { title: "Slow upload" });
  const tmpDir = path.join(dataDir, "uploads", "tmp");
  const tmpFiles = () => (fs.existsSync(tmpDir) ? fs.readdirSync(tmpDir) : []);
  assert.deepEqual(tmpFiles(), []);

  // The body's second half is held back until the server has begun shutting down.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const total = 256 * 1024;
  async function* source() {
    yield new Uint8Array(total / 2).fill(0x62);
    await released;
    for (let i = 0; i < 4; i++) yield new Uint8Array(total / 8).fill(0x63);
  }
  const { headers, body } = streamingMultipart("slow.bin", source());
  const response = fetch(`${running.url}/api/tickets/${ticket.id}/attachments`, {
    method: "POST",
    headers: { ...headers, cookie },
    body,
    duplex: "half",
  } as RequestInit);
  response.catch(() => undefined); // inspected below

  // The upload handler is writing the temp file: the request is truly in flight.
  await until(() => tmpFiles().length === 1, "the upload to start");
  server = undefined;
  const exit = running.stop();
  await until(() => running.output().includes("SIGTERM: shutting down"), "the shutdown to begin");
  release();

  const res = await response; // a connection reset would reject here
  const text = await res.text();
  assert.equal(res.status, 201, text);
  const dto = JSON.parse(text) as AttachmentDTO;
  assert.equal(dto.size, total);
  assert.equal(await exit, 0, running.output());
  assert.match(running.output(), /\[tandem\] stopped/);

  // The attachment was committed: it is there after another restart.
  server = await start();
  const list = await api<{ items: AttachmentDTO[] }>(server.url, cookie, "GET", `/api/tickets/${ticket.id}/attachments`);
  assert.deepEqual(list.body.items.map((a) => a.id), [dto.id]);
  const last = server;
  server = undefined;
  assert.equal(await last.stop(), 0);
});

test(
  "on PostgreSQL a DATA_DIR whose volume is not mounted (a missing path, an empty mount point) is refused at start, and nothing is created there",
  { skip: embedded && "PostgreSQL only (the embedded database lives in DATA_DIR itself)" },
  async () => {
    // The database now lists the upload the test before made.
    const mountPoint = makeTempDir("tandem-unmounted-");
    const missing = path.join(mountPoint, "volume", "tandem");
    for (const dir of [missing, mountPoint]) {
      const error = await startServer({ dataDir: dir, env: dbEnv }).then(
        async (s) => {
          await s.stop();
          return assert.fail(`started on ${dir}`);
        },
        (e: Error) => e,
      );
      assert.match(error.message, /server exited with 1 before it was ready/);
      assert.match(error.message, /but the database lists 1 uploaded file\. Is the volume that holds DATA_DIR mounted/);
      assert.ok(error.message.includes(dir), "the message names the path");
      assert.deepEqual(fs.readdirSync(mountPoint), [], "nothing was created");
    }
    // Files lost for good: the operator creates the folder, and it starts without them.
    fs.mkdirSync(path.join(mountPoint, "uploads"));
    const started = await startServer({ dataDir: mountPoint, env: dbEnv });
    try {
      assert.equal((await api(started.url, undefined, "GET", "/api/health")).status, 200);
    } finally {
      assert.equal(await started.stop(), 0);
    }
  },
);

test("a backup made as the README says restores on another DATA_DIR (embedded) or database and DATA_DIR (PostgreSQL), with its tickets, accounts and files", async () => {
  // The server is stopped (the upload test left it so), as the README's embedded backup asks.
  const restoredDir = makeTempDir("tandem-restored-");
  let restoredEnv = dbEnv;
  if (embedded) {
    execFileSync("cp", ["-a", `${dataDir}/.`, restoredDir]);
  } else {
    // The database first, then the files: a file is in place before its row commits.
    const source = dbEnv.DATABASE_URL;
    assert.ok(source);
    const dump = path.join(makeTempDir("tandem-dump-"), "tandem.dump");
    execFileSync(path.join(findPgBin(), "pg_dump"), ["--format=custom", "--file", dump, source]);
    execFileSync("cp", ["-a", path.join(dataDir, "uploads"), path.join(restoredDir, "uploads")]);
    const url = await emptyPostgresDatabase();
    execFileSync(path.join(findPgBin(), "pg_restore"), ["--no-owner", "--exit-on-error", "--dbname", url, dump]);
    restoredEnv = { ...dbEnv, DATABASE_URL: url };
  }
  const restored = await startServer({ dataDir: restoredDir, env: restoredEnv });
  try {
    assert.doesNotMatch(restored.output(), /Seeded demo accounts/, "the restored database is not taken for a new one");
    const cookie = await signIn(restored.url, "alice@example.com");
    const tickets = await api<{ items: TicketDTO[] }>(restored.url, cookie, "GET", "/api/tickets?q=Slow%20upload");
    assert.equal(tickets.status, 200, JSON.stringify(tickets.body));
    const ticket = tickets.body.items.find((t) => t.title === "Slow upload");
    assert.ok(ticket, "the ticket is there");
    const files = await api<{ items: AttachmentDTO[] }>(restored.url, cookie, "GET", `/api/tickets/${ticket.id}/attachments`);
    const [file] = files.body.items;
    assert.ok(file && files.body.items.length === 1, JSON.stringify(files.body));
    const download = await fetch(`${restored.url}/api/attachments/${file.id}`, { headers: { cookie } });
    assert.equal(download.status, 200);
    const bytes = Buffer.from(await download.arrayBuffer());
    assert.equal(bytes.length, file.size);
    assert.equal(createHash("sha256").update(bytes).digest("hex"), file.sha256, "the file is the one uploaded");
  } finally {
    assert.equal(await restored.stop(), 0);
  }
});

test("DATA_DIR is private to the service user after a first start, restarts and an upload: 0700 directories and 0600 files, old ones fixed", () => {
  const wrong: string[] = [];
  let files = 0;
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    const want = st.isDirectory() ? 0o700 : 0o600;
    if ((st.mode & 0o777) !== want) wrong.push(`${path.relative(dataDir, p) || "."} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
    else files++;
  };
  walk(dataDir);
  assert.deepEqual(wrong, []);
  assert.ok(files > (embedded ? 10 : 1), `walked ${files} files`);
  const expected = embedded ? ["pglite", "uploads", "nextauth-secret", "left-by-an-old-version"] : ["uploads", "left-by-an-old-version"];
  for (const p of expected) assert.ok(fs.existsSync(path.join(dataDir, p)), p);
});

test(
  "a first start without DEMO_PASSWORD shows the generated password once, even with LOG_LEVEL=warn, and it signs in",
  { skip: !embedded && "the embedded database only (PostgreSQL is never seeded)" },
  async () => {
    // LOG_LEVEL=warn leaves out the "ready on" line: ready when /api/health answers.
    const own = await startServer({ port: await freePort(), dataDir: makeTempDir("tandem-first-start-"), env: { DEMO_PASSWORD: "", LOG_LEVEL: "warn" }, readyBy: "health" });
    try {
      const out = own.output();
      const shown = /with password: ([A-Za-z0-9_-]+)/.exec(out)?.[1];
      assert.ok(shown && shown.length >= 12, `the password is in the log: ${out.slice(0, 2000)}`);
      assert.doesNotMatch(out, /"level":"info"/, "LOG_LEVEL=warn: no info lines, yet the password is there");
      await signIn(own.url, "admin@example.com", shown);
    } finally {
      await own.stop();
    }
  },
);
