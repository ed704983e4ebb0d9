/**
 * `node --import tsx bench/flood.ts`: what one abusive client does to everyone
 * else, on the production build (run `npm run build` first). Three floods,
 * each while a bystander (Bob) keeps making requests; prints the bystander's
 * latency (p50/p95/max, ms) quiet and under each flood, and what the flood
 * achieved. Numbers only; nothing here asserts a threshold.
 *
 * - sign-in: FLOOD_SIGNINS wrong-password sign-ins, FLOOD_CONCURRENCY at a
 *   time, each from its own X-Forwarded-For address (the worst case for a
 *   per-address throttle: every attempt costs a password check);
 * - socket: 50 sockets of one user each sending FLOOD_EVENTS ticket:join;
 *   meanwhile Bob's HTTP latency and how long a comment takes to reach
 *   Bob's socket;
 * - creation: FLOOD_TICKETS ticket creations by one user, 10 at a time.
 *
 * "/api/health" latency stands in for event-loop stalls: it does no I/O.
 * Each flood runs in a child process, apart from the bystander's probes.
 * Uses only the test harness's startServer/signIn/api/connectSocket, so the
 * same file runs against older commits for before/after numbers.
 */
import { api, connectSocket, signIn, startServer, type ClientSocket } from "../tests/helpers/server";

const SIGNINS = Number(process.env.FLOOD_SIGNINS ?? 200);
const CONCURRENCY = Number(process.env.FLOOD_CONCURRENCY ?? 50);
const EVENTS = Number(process.env.FLOOD_EVENTS ?? 100);
const TICKETS = Number(process.env.FLOOD_TICKETS ?? 200);

type Stats = { n: number; p50: number; p95: number; max: number; failed: number };

function stats(samples: Array<{ ms: number; ok: boolean }>): Stats {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const at = (p: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? NaN);
  return { n: ms.length, p50: at(0.5), p95: at(0.95), max: Math.round(ms.at(-1) ?? NaN), failed: samples.filter((s) => !s.ok).length };
}

async function timed(fn: () => Promise<boolean>) {
  const t = performance.now();
  let ok = false;
  try {
    ok = await fn();
  } catch {
    ok = false;
  }
  return { ms: performance.now() - t, ok };
}

/** Run `probe` back to back until `done` settles (at least `min` times). */
async function probeWhile(done: Promise<unknown>, probe: () => Promise<boolean>, min = 1) {
  let finished = false;
  void done.finally(() => (finished = true));
  const samples: Array<{ ms: number; ok: boolean }> = [];
  while (!finished || samples.length < min) samples.push(await timed(probe));
  return samples;
}

async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

async function wrongSignIn(url: string, i: number): Promise<number> {
  const headers = { "x-forwarded-for": `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, origin: url };
  const csrf = await fetch(`${url}/api/auth/csrf`, { headers });
  const cookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, email: `flood${i}@example.com`, password: "wrong-password", json: "true" }),
  });
  await res.arrayBuffer();
  return res.status;
}

function tally(values: Array<string | number>) {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}

/**
 * The floods run in a child process (this file with FLOOD_ROLE set), so the
 * flooder's own work never delays the bystander's probes in this process.
 */
async function runFlooder(role: string, args: Record<string, string>) {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, ["--import", "tsx", __filename], {
    env: { ...process.env, FLOOD_ROLE: role, FLOOD_ARGS: JSON.stringify(args) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stdout!.on("data", (d: Buffer) => {
    out += d;
    if (out.includes("START\n")) markStarted();
  });
  const done = new Promise((resolve) => child.once("exit", resolve)).then(() => {
    markStarted();
    return JSON.parse(out.replace("START\n", "")) as { seconds: number; answers: Record<string, number> };
  });
  await started;
  return { done };
}

async function flooder(role: string, a: Record<string, string>) {
  let started = performance.now();
  const go = () => {
    console.log("START");
    started = performance.now();
  };
  let answers: Array<string | number> = [];
  if (role === "signin") {
    go();
    answers = await pool(SIGNINS, CONCURRENCY, (i) => wrongSignIn(a.url!, i));
  } else if (role === "socket") {
    const sockets: ClientSocket[] = [];
    for (let i = 0; i < 50; i++) sockets.push(await connectSocket(a.url!, a.cookie, { origin: a.url }));
    go();
    answers = await Promise.all(
      sockets.flatMap((s) =>
        Array.from({ length: EVENTS }, () =>
          s
            .timeout(60_000)
            .emitWithAck("ticket:join", { ticketId: a.ticket! })
            .then((ack) => (ack.ok ? "ok" : ack.error.code))
            .catch(() => "no answer (disconnected)"),
        ),
      ),
    );
    for (const s of sockets) s.close();
  } else if (role === "creation") {
    go();
    answers = await pool(TICKETS, 10, async (i) => (await api(a.url!, a.cookie, "POST", "/api/tickets", { title: `flood ${i}`, description: "x" })).status);
  }
  console.log(JSON.stringify({ seconds: Math.round((performance.now() - started) / 100) / 10, answers: tally(answers) }));
}

async function main() {
  if (process.env.FLOOD_ROLE) return flooder(process.env.FLOOD_ROLE, JSON.parse(process.env.FLOOD_ARGS ?? "{}") as Record<string, string>);
  // Generous creation limits would hide the "before"; the defaults are what is measured.
  // Production defaults (blank = unset; the test harness would raise them),
  // except comments: the bystander's probes post many.
  const server = await startServer({ env: { TICKET_CREATE_LIMIT: "", UPLOAD_LIMIT: "", COMMENT_CREATE_LIMIT: "100000" } });
  const url = server.url;
  const report: Record<string, unknown> = {};
  try {
    const bob = await signIn(url, "bob@example.com");
    const alice = await signIn(url, "alice@example.com");
    const agent = await signIn(url, "agent@example.com");
    const bobTicket = (await api<{ items: Array<{ id: string }> }>(url, bob, "GET", "/api/tickets")).body.items[0]!.id;
    const aliceTicket = (await api<{ items: Array<{ id: string }> }>(url, alice, "GET", "/api/tickets")).body.items[0]!.id;
    const bobGet = async () => (await api(url, bob, "GET", "/api/tickets")).status === 200;
    const health = async () => (await fetch(`${url}/api/health`)).ok;

    const quiet: Array<{ ms: number; ok: boolean }> = [];
    const quietHealth: Array<{ ms: number; ok: boolean }> = [];
    for (let i = 0; i < 30; i++) {
      quiet.push(await timed(bobGet));
      quietHealth.push(await timed(health));
    }
    report.quiet = { bobGet: stats(quiet), health: stats(quietHealth) };

    // 1. Sign-in flood.
    {
      const flood = (await runFlooder("signin", { url })).done;
      const [bobSamples, healthSamples] = await Promise.all([probeWhile(flood, bobGet), probeWhile(flood, health)]);
      report.signinFlood = { attempts: SIGNINS, concurrency: CONCURRENCY, ...(await flood), bobGet: stats(bobSamples), health: stats(healthSamples) };
    }

    // 2. Socket event flood from 50 sockets of one user.
    {
      const watcher = await connectSocket(url, bob, { origin: url });
      await watcher.emitWithAck("ticket:join", { ticketId: bobTicket });
      const flood = (await runFlooder("socket", { url, cookie: alice, ticket: aliceTicket })).done;
      let probe = 0;
      const deliveryProbe = async () => {
        const body = `flood probe ${probe++}`;
        const arrived = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 30_000);
          const onEvent = (e: { data: { comment: { body: string } } }) => {
            if (e.data.comment.body !== body) return;
            clearTimeout(timer);
            watcher.off("comment:added", onEvent as never);
            resolve(true);
          };
          watcher.on("comment:added", onEvent as never);
        });
        const posted = await api(url, agent, "POST", `/api/tickets/${bobTicket}/comments`, { body });
        return posted.status === 201 && (await arrived);
      };
      const [delivery, bobSamples] = await Promise.all([probeWhile(flood, deliveryProbe), probeWhile(flood, bobGet)]);
      report.socketFlood = { sockets: 50, eventsSent: 50 * EVENTS, ...(await flood), bobGet: stats(bobSamples), commentToBobSocket: stats(delivery) };
      watcher.close();
    }

    // 3. Ticket creation flood by one user.
    {
      const flood = (await runFlooder("creation", { url, cookie: alice })).done;
      const bobSamples = await probeWhile(flood, bobGet);
      report.creationFlood = { attempts: TICKETS, ...(await flood), bobGet: stats(bobSamples) };
    }
  } finally {
    await server.stop();
  }
  console.log(JSON.stringify(report, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
