/**
 * GET /metrics: this process's metrics in Prometheus text format. Served by
 * server.ts before Next (the registry lives in server.ts's module graph), to
 * the same askers as /api/ready's details: a request from this host that no
 * proxy forwarded, or one bearing METRICS_TOKEN. Everyone else gets the
 * app's JSON 404, as for any unknown path: nothing says metrics exist.
 */
import type http from "node:http";
import { readinessAsker } from "../http/remote-addr";
import { mayReadReadinessDetail } from "../policy";
import { registry } from "./metrics";

export function isMetricsRequest(url: string | undefined): boolean {
  return url === "/metrics" || url?.startsWith("/metrics?") === true;
}

export async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse, token: string | undefined): Promise<void> {
  const headers = { get: (name: string) => (typeof req.headers[name] === "string" ? (req.headers[name] as string) : null) };
  res.setHeader("Cache-Control", "no-store");
  if (!mayReadReadinessDetail(readinessAsker(headers), token)) {
    res.statusCode = 404;
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ error: { code: "NOT_FOUND", message: "Not found" } }));
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.statusCode = 405;
    res.setHeader("Allow", "GET, HEAD");
    res.end();
    return;
  }
  res.setHeader("Content-Type", registry.contentType);
  res.end(req.method === "HEAD" ? undefined : await registry.metrics());
}
