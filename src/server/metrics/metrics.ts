/**
 * Prometheus metrics of this process (prom-client), served at GET /metrics by
 * server.ts. Only code that runs in server.ts's module graph records here
 * (HTTP, the relay, the realtime join, the database client): Next's route
 * bundles would get a second registry (vercel/next.js#79401), so they do not
 * import this file. Labels are bounded: route patterns, not paths.
 */
import client from "prom-client";

export const registry = new client.Registry();
registry.setDefaultLabels({ app: "tandem" });
// Process CPU and memory, GC, handles, and event-loop lag (nodejs_eventloop_lag_*).
client.collectDefaultMetrics({ register: registry });

const httpDuration = new client.Histogram({
  name: "tandem_http_request_duration_seconds",
  help: "HTTP request latency by route pattern, method and status class",
  labelNames: ["route", "method", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const eventsRead = new client.Counter({
  name: "tandem_events_published_total",
  help: "Committed events this process's realtime relay read from the event stream",
  registers: [registry],
});

const eventsDelivered = new client.Counter({
  name: "tandem_events_delivered_total",
  help: "Event emits to this process's sockets' rooms (one per event and audience)",
  registers: [registry],
});

const relayLag = new client.Histogram({
  name: "tandem_relay_lag_seconds",
  help: "Time from an event's commit to its delivery by this process's relay",
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [registry],
});

const catchUps = new client.Counter({
  name: "tandem_catchups_total",
  help: "Ticket joins answered with missed events (a client catching up after a reconnect)",
  registers: [registry],
});

const catchUpEvents = new client.Counter({
  name: "tandem_catchup_events_total",
  help: "Events sent in join acks to clients catching up",
  registers: [registry],
});

const streamReads = new client.Counter({
  name: "tandem_stream_reads_total",
  help: "Reads of the event stream this process's processors sent to the database (shared between them; see src/server/engine)",
  registers: [registry],
});

const dbQuery = new client.Histogram({
  name: "tandem_db_query_duration_seconds",
  help: "Database query time by statement kind",
  labelNames: ["statement"] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [registry],
});

const memoryTrims = new client.Counter({
  name: "tandem_memory_trims_total",
  help: "Times this process gave freed memory back to the OS after going idle (glibc's malloc_trim)",
  registers: [registry],
});

const memoryTrimmed = new client.Counter({
  name: "tandem_memory_trimmed_bytes_total",
  help: "Resident bytes those trims gave back",
  registers: [registry],
});

export function countMemoryTrim(freedBytes: number): void {
  memoryTrims.inc();
  memoryTrimmed.inc(freedBytes);
}

/** Sockets connected to this process, read at scrape time. */
export function countSocketsWith(read: () => number): void {
  new client.Gauge({
    name: "tandem_sockets_connected",
    help: "Socket.IO connections open on this process",
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export function observeHttp(route: string, method: string, status: number, seconds: number): void {
  httpDuration.observe({ route, method, status: `${Math.floor(status / 100)}xx` }, seconds);
}

export function countRelayed(events: number, emits: number, lagSeconds: number[]): void {
  eventsRead.inc(events);
  eventsDelivered.inc(emits);
  for (const s of lagSeconds) relayLag.observe(s);
}

export function countCatchUp(events: number): void {
  if (events === 0) return;
  catchUps.inc();
  catchUpEvents.inc(events);
}

export function countStreamRead(): void {
  streamReads.inc();
}

const STATEMENT = /^\s*(select|insert|update|delete|begin|commit|rollback|with|set|show|listen|notify)\b/i;
export function observeQuery(sql: string, ms: number): void {
  dbQuery.observe({ statement: STATEMENT.exec(sql)?.[1]?.toLowerCase() ?? "other" }, ms / 1000);
}
