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
  /**
   * Whether another process may be listening for commits (so a NOTIFY is
   * worth sending). True whenever this process cannot tell.
   */
  othersListening(): boolean;
  close(): Promise<void>;
};

/**
 * The embedded database: one process opens DATA_DIR (its lock guarantees
 * it), so it holds every lease, and commits are announced in-process.
 */
export function embeddedCoordinator(): Coordinator {
  return { acquire: async () => true, held: () => true, othersListening: () => false, close: async () => undefined };
}

/**
 * The advisory lock every process's LISTEN connection holds in shared mode
 * while it listens, as two positive int4 keys (how pg_locks shows them:
 * classid and objid, objsubid 2). Counting its holders in this database
 * tells a process whether anyone else would hear its NOTIFY; the server
 * drops a holder the moment its connection ends, killed or not.
 */
export function listenersLockKeys(): [number, number] {
  const digest = createHash("sha256").update("tandem:listeners").digest();
  return [digest.readUInt32BE(0) & 0x7fffffff, digest.readUInt32BE(4) & 0x7fffffff];
}

/** A NOTIFY payload that says "a process started listening", not "events committed". */
const HELLO = "hello:";

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
  hooks: {
    /** This process's NOTIFY payload (./commit-notifier.ts): its own notifications are not another process's. */
    token: string;
    /** A commit announced by another process. */
    onNotify(payload: string): void;
    onReconnect(): void;
    /** Another process started listening: what this one committed just before may not have been announced to it. */
    onListenerJoined(): void;
    log(msg: string, e?: unknown): void;
    /** How often the listeners are counted again (to notice that the others left); default 10 s. */
    recountMs?: number;
  },
): Coordinator {
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client | undefined> | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const locks = new Set<string>();
  // Until counted (and whenever the count cannot be trusted), assume others listen.
  let others = true;
  // Notifications heard from other processes: a count that started before
  // one of them may predate its sender's lock, so its answer is dropped.
  let heard = 0;
  const [key1, key2] = listenersLockKeys();

  /** Count the listeners of this database (this process's included). */
  async function count(c: pg.Client): Promise<void> {
    const heardBefore = heard;
    try {
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS "n" FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND classid = $1::int4::oid AND objid = $2::int4::oid AND objsubid = 2
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [key1, key2],
      );
      // A hello can be parsed from the same packet as the count's answer and
      // handled before this continuation runs: it wins.
      if (client === c && heard === heardBefore) others = (rows[0]?.n ?? 2) > 1;
    } catch {
      others = true;
    }
  }
  const recount = setInterval(() => {
    if (client) void count(client);
  }, hooks.recountMs ?? 10_000);
  recount.unref();

  function lost(c: pg.Client, why: unknown) {
    if (client !== c) return;
    client = undefined;
    others = true;
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
      c.on("notification", (n) => {
        const payload = n.payload ?? "";
        if (payload === HELLO + hooks.token || payload === hooks.token) return;
        // Whoever notifies listens too.
        heard++;
        others = true;
        if (payload.startsWith(HELLO)) hooks.onListenerJoined();
        else hooks.onNotify(payload);
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${EVENTS_CHANNEL}`);
        // Counted as a listener from here on; then say so to those already
        // listening, who may have stopped notifying (alone until now).
        await c.query("SELECT pg_advisory_lock_shared($1::int4, $2::int4)", [key1, key2]);
        await c.query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, HELLO + hooks.token]);
        if (closed) {
          await c.end();
          return undefined;
        }
        client = c;
        await count(c);
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
    othersListening: () => others,
    async close() {
      closed = true;
      clearTimeout(retry);
      clearInterval(recount);
      const c = client;
      client = undefined;
      locks.clear();
      // Ending the session frees its advisory locks: another process takes over now.
      await c?.end().catch(() => undefined);
    },
  };
}
