/**
 * `npm run bench`: measures what users feel, on the production build.
 *
 * - fan-out latency: time from sending a comment (HTTP POST) until every
 *   socket in the ticket room has received `comment:added`, p50/p95/max;
 * - server resident memory with the sockets connected, before and after.
 *
 * Settings: BENCH_SOCKETS (default 200), BENCH_COMMENTS (default 100).
 * Numbers go to stdout; nothing here asserts a threshold.
 */
import fs from "node:fs";
import { api, connectSocket, signIn, startServer, type ClientSocket } from "../tests/helpers/server";

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 200);
const COMMENTS = Number(process.env.BENCH_COMMENTS ?? 100);

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main() {
  const server = await startServer();
  try {
    const pid = server.proc.pid!;
    const agent = await signIn(server.url, "agent@example.com");
    const alice = await signIn(server.url, "alice@example.com");
    const { body: ticket } = await api<{ id: string }>(server.url, alice, "POST", "/api/tickets", {
      title: "Benchmark ticket",
      description: "fan-out",
    });
    const rssIdle = rssMb(pid);

    const sockets: ClientSocket[] = [];
    for (let i = 0; i < SOCKETS; i++) {
      const s = await connectSocket(server.url, i % 2 ? agent : alice);
      const ack = await s.emitWithAck("ticket:join", { ticketId: ticket.id });
      if (!ack.ok) throw new Error(`join failed: ${ack.error.message}`);
      sockets.push(s);
    }
    const rssConnected = rssMb(pid);

    const latencies: number[] = [];
    for (let i = 0; i < COMMENTS; i++) {
      const body = `bench ${i}`;
      const arrivals = sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            const h = (e: { data: { comment: { body: string } } }) => {
              if (e.data.comment.body !== body) return;
              s.off("comment:added", h as never);
              resolve();
            };
            s.on("comment:added", h as never);
          }),
      );
      const t0 = performance.now();
      const res = await api(server.url, i % 2 ? agent : alice, "POST", `/api/tickets/${ticket.id}/comments`, { body });
      if (res.status !== 201) throw new Error(`comment failed: ${res.status}`);
      await Promise.all(arrivals);
      latencies.push(performance.now() - t0);
    }
    const rssAfter = rssMb(pid);
    latencies.sort((a, b) => a - b);
    const f = (n: number) => n.toFixed(1);
    console.log(`sockets: ${SOCKETS}, comments: ${COMMENTS}`);
    console.log(`comment -> delivered to all sockets (ms): p50 ${f(pct(latencies, 50))}  p95 ${f(pct(latencies, 95))}  max ${f(latencies.at(-1)!)}`);
    console.log(`server RSS (MB): idle ${rssIdle}, with sockets ${rssConnected}, after comments ${rssAfter}`);
    for (const s of sockets) s.close();
  } finally {
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
