import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RealtimeProbe } from "../../../components/admin/realtime-probe";
import { listProcesses } from "../../../server/admin/list-processes";
import { can } from "../../../server/policy";
import { STATUS_INTERVAL_MS, STATUS_STALE_MS } from "../../../server/realtime/process-status";
import { requirePageUser } from "../../_lib/session";

export const metadata: Metadata = { title: "Realtime health" };
export const dynamic = "force-dynamic";

function uptime(startedAt: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(startedAt)) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** Admins only: every app process, its sockets, Redis and relay lag, and a live end-to-end probe. */
export default async function RealtimeHealthPage() {
  const user = await requirePageUser("/admin/realtime");
  // Not 403: a page others may not see does not exist for them.
  if (!can(user, "realtime:inspect")) notFound();
  const processes = await listProcesses(user);
  return (
    <div>
      <h1>Realtime health</h1>
      <section className="card" aria-labelledby="rt-processes">
        <h2 id="rt-processes" className="card__title">
          Processes
        </h2>
        <p className="muted">
          Each process reports every {STATUS_INTERVAL_MS / 1000} s; one silent for {STATUS_STALE_MS / 1000} s shows as not
          reporting (stopped, killed or stuck). Reload the page for fresh numbers.
        </p>
        <table aria-label="Processes">
          <thead>
            <tr>
              <th scope="col">Process</th>
              <th scope="col">Up</th>
              <th scope="col">Sockets</th>
              <th scope="col">Redis</th>
              <th scope="col">Relay lag</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {processes.map((p) => (
              <tr key={p.id}>
                <td>{`pid ${p.pid} on ${p.host}`}</td>
                <td>{uptime(p.startedAt)}</td>
                <td>{p.sockets}</td>
                <td>{p.redis}</td>
                <td>{p.relayLagMs === null ? "n/a (nothing delivered yet)" : `${p.relayLagMs} ms`}</td>
                <td>{p.reporting ? "reporting" : `not reporting since ${new Date(p.seenAt).toLocaleTimeString("en-GB")}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card" aria-labelledby="rt-probe">
        <h2 id="rt-probe" className="card__title">
          Live probe
        </h2>
        <p className="muted">
          Your own connection to the server: the server times a database round trip and a Redis PING, then echoes to your
          user room through the Socket.IO adapter; the total is the time until the echo reached this page.
        </p>
        <RealtimeProbe />
      </section>
    </div>
  );
}
