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

async function main() {
  // Generous creation limits would hide the "before"; the defaults are what is measured.
  const server = await startServer();
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
      const started = performance.now();
      const flood = pool(SIGNINS, CONCURRENCY, (i) => wrongSignIn(url, i));
      const [bobSamples, healthSamples] = await Promise.all([probeWhile(flood, bobGet), probeWhile(flood, health)]);
      report.signinFlood = {
        attempts: SIGNINS,
        concurrency: CONCURRENCY,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        answers: tally(await flood),
        bobGet: stats(bobSamples),
        health: stats(healthSamples),
      };
    }

    // 2. Socket event flood from 50 sockets of one user.
    {
      const sockets: ClientSocket[] = [];
      for (let i = 0; i < 50; i++) sockets.push(await connectSocket(url, alice, { origin: url }));
      const watcher = await connectSocket(url, bob, { origin: url });
      await watcher.emitWithAck("ticket:join", { ticketId: bobTicket });
      const started = performance.now();
      const flood = Promise.all(
        sockets.flatMap((s) =>
          Array.from({ length: EVENTS }, () =>
            s
              .timeout(60_000)
              .emitWithAck("ticket:join", { ticketId: aliceTicket })
              .then((a) => (a.ok ? "ok" : a.error.code))
              .catch(() => "timeout"),
          ),
        ),
      );
      const delivery: Array<{ ms: number; ok: boolean }> = [];
      const deliveries = (async () => {
        for (let i = 0; i < 5; i++) {
          const body = `flood probe ${i} ${Date.now()}`;
          delivery.push(
            await timed(async () => {
              const arrived = new Promise<boolean>((resolve) => {
                const timer = setTimeout(() => resolve(false), 30_000);
                watcher.on("comment:added", (e) => {
                  if (e.data.comment.body !== body) return;
                  clearTimeout(timer);
                  resolve(true);
                });
              });
              const posted = await api(url, agent, "POST", `/api/tickets/${bobTicket}/comments`, { body });
              return posted.status === 201 && (await arrived);
            }),
          );
        }
      })();
      const bobSamples = await probeWhile(Promise.all([flood, deliveries]), bobGet);
      const acks = await flood;
      report.socketFlood = {
        sockets: 50,
        eventsSent: acks.length,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        answers: tally(acks),
        bobGet: stats(bobSamples),
        commentToBobSocket: stats(delivery),
      };
      for (const s of [...sockets, watcher]) s.close();
    }

    // 3. Ticket creation flood by one user.
    {
      const started = performance.now();
      const flood = pool(TICKETS, 10, async (i) => (await api(url, alice, "POST", "/api/tickets", { title: `flood ${i}`, description: "x" })).status);
      const bobSamples = await probeWhile(flood, bobGet);
      report.creationFlood = {
        attempts: TICKETS,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        answers: tally(await flood),
        bobGet: stats(bobSamples),
      };
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
