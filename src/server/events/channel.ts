/**
 * The PostgreSQL NOTIFY channel a committed event announces itself on (see
 * record-event.ts). Free of `server-only`: the engine in server.ts imports it.
 */
export const EVENTS_CHANNEL = "tandem_events";
