/**
 * Timings the deployment files depend on: proxies must keep an idle Socket.IO
 * connection open longer than a ping round, and PM2 must wait longer than a
 * graceful shutdown before it kills. tests/deploy checks nginx.conf,
 * haproxy.cfg and ecosystem.config.js against these values.
 * Free of `server-only`: server.ts loads it outside Next.
 */

/** How long a shutdown may take to drain requests and sockets before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Socket.IO heartbeat: a ping every interval, answered within the timeout. */
export const PING_INTERVAL_MS = 25_000;
export const PING_TIMEOUT_MS = 20_000;
