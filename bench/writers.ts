/**
 * A write load generator: one child process of the harness that runs
 * `writers` closed loops, each posting comments one after another (the next
 * when the previous one is acknowledged) for `durationMs`. Reports every
 * acknowledged write's latency, refusals by status, and its own CPU.
 * Input: a JSON WritersJob on argv[2]; output: one JSON WritersResult on stdout.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";

export type WritersJob = {
  durationMs: number;
  /** One entry per writer: which server, as whom, on which ticket. */
  writers: { url: string; cookie: string; ticketId: string }[];
};

export type WritersResult = { acked: number; latencies: number[]; refused: Record<string, number>; wallMs: number; cpu: number };

const job = JSON.parse(process.argv[2]!) as WritersJob;
const agent = new http.Agent({ keepAlive: true, maxSockets: job.writers.length });

function post(url: string, cookie: string, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, url),
      // A new Idempotency-Key per send, as the browser sends one with every reply (src/client/api-client.ts).
      { method: "POST", agent, headers: { cookie, "content-type": "application/json", "content-length": Buffer.byteLength(body), "idempotency-key": randomUUID() } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function main() {
  const latencies: number[] = [];
  const refused: Record<string, number> = {};
  const t0 = performance.now();
  const end = t0 + job.durationMs;
  await Promise.all(
    job.writers.map(async (w, i) => {
      for (let n = 0; performance.now() < end; n++) {
        const s = performance.now();
        let status: number;
        try {
          status = await post(w.url, w.cookie, `/api/tickets/${w.ticketId}/comments`, JSON.stringify({ body: `write ${i}-${n}` }));
        } catch (e) {
          status = -1;
          refused[(e as Error).message] = (refused[(e as Error).message] ?? 0) + 1;
          continue;
        }
        if (status === 201) latencies.push(performance.now() - s);
        else refused[String(status)] = (refused[String(status)] ?? 0) + 1;
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const u = process.cpuUsage();
  const result: WritersResult = { acked: latencies.length, latencies, refused, wallMs, cpu: (u.user + u.system) / 1e6 };
  process.stdout.write(JSON.stringify(result));
  agent.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
