import "server-only";
import { createHash } from "node:crypto";
import pg from "pg";
import { EVENTS_CHANNEL } from "../events/channel";

/**
 * What the engine needs from the database besides queries: being woken when
 * events commit, and holding "only one process runs this" leases.
 */
export type Coordinator = {
  /** Take the lease on `name` if free; true while this process holds it. */
  acquire(name: string): Promise<boolean>;
  /** Whether the lease is still held (false once its connection dropped). */
  held(name: string): boolean;
  close(): Promise<void>;
};

/**
 * The embedded database: one process opens DATA_DIR (its lock guarantees
 * it), so it holds every lease, and commits are announced in-process.
 */
export function embeddedCoordinator(): Coordinator {
  return { acquire: async () => true, held: () => true, close: async () => undefined };
}

/** A 64-bit advisory lock key for a lease name. */
export function lockKey(name: string): string {
  return createHash("sha256").update(`tandem:processor:${name}`).digest().readBigInt64BE(0).toString();
}

/**
 * PostgreSQL: one dedicated connection per process (not from the pool, whose
 * connections come and go) that LISTENs for other processes' commits
 * (./commit-notifier.ts sends them) and holds the
 * session-level advisory locks that make cluster processors run once. If the
 * connection drops, PostgreSQL frees its locks (another process takes them
 * over) and this side forgets them at once, then reconnects.
 *
 * Why advisory locks and not a queue such as pg-boss: the stream is already
 * durable and ordered in TicketEvent; a processor needs only "one runner at a
 * time" and a cursor, and a lock freed by the server when its holder dies is
 * exactly that, with nothing to poll, expire or clean up.
 */
export function postgresCoordinator(
  url: string,
  hooks: { onNotify(payload: string): void; onReconnect(): void; log(msg: string, e?: unknown): void },
): Coordinator {
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client | undefined> | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const locks = new Set<string>();

  function lost(c: pg.Client, why: unknown) {
    if (client !== c) return;
    client = undefined;
    if (locks.size) hooks.log(`engine connection lost; leases released (${[...locks].join(", ")})`, why);
    else hooks.log("engine connection lost", why);
    locks.clear();
    c.end().catch(() => undefined);
    if (!closed) retry = setTimeout(() => void connect(), 1000);
  }

  function connect(): Promise<pg.Client | undefined> {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, keepAlive: true });
      c.on("error", (e) => lost(c, e));
      c.on("end", () => lost(c, "connection ended"));
      c.on("notification", (n) => hooks.onNotify(n.payload ?? ""));
      try {
        await c.connect();
        await c.query(`LISTEN ${EVENTS_CHANNEL}`);
        if (closed) {
          await c.end();
          return undefined;
        }
        client = c;
        // Commits announced while disconnected were missed: look now.
        hooks.onReconnect();
        return c;
      } catch (e) {
        c.end().catch(() => undefined);
        if (!closed) retry = setTimeout(() => void connect(), 1000);
        hooks.log("engine connection failed", e);
        return undefined;
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  }
  void connect();

  return {
    async acquire(name) {
      if (locks.has(name)) return true;
      const c = await connect();
      if (!c) return false;
      try {
        const { rows } = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [lockKey(name)]);
        if (rows[0]?.ok && client === c) locks.add(name);
        return locks.has(name);
      } catch {
        return false;
      }
    },
    held: (name) => locks.has(name),
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      locks.clear();
      // Ending the session frees its advisory locks: another process takes over now.
      await c?.end().catch(() => undefined);
    },
  };
}
