/**
 * The PostgreSQL NOTIFY channel on which a process tells the others that
 * events committed (src/server/engine/commit-notifier.ts). Free of
 * `server-only`: the engine in server.ts imports it.
 */
export const EVENTS_CHANNEL = "tandem_events";
