import "server-only";
import { Redis, type RedisOptions } from "ioredis";
import { log } from "../log";

export type RedisPair = {
  /** Connection the adapter publishes on. */
  pub: Redis;
  /** Connection the adapter subscribes on. */
  sub: Redis;
  /** "ok" while both connections are usable, else "down" (they keep reconnecting). */
  status(): "ok" | "down";
  /** Call `handler` each time both connections are usable again after an outage. */
  onReconnected(handler: () => void): void;
  close(): Promise<void>;
};

/**
 * The two ioredis connections of @socket.io/redis-adapter (ioredis, not
 * node-redis, which loses its subscriptions on reconnect: socketio/socket.io#4845),
 * set up so that a Redis outage never crashes or stalls the app: emits keep
 * reaching this process's sockets, other processes miss them until Redis is
 * back, and both connections reconnect on their own.
 */
export function connectRedis(url: string): RedisPair {
  // Reconnect quickly and forever; never more than 2 s between attempts.
  const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2_000);

  // The adapter publishes inside every emit, i.e. on the request path: while Redis
  // is down a publish must fail at once, not wait in a queue for a reconnect.
  const pubOptions: RedisOptions = { retryStrategy, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
  // The adapter subscribes once, when it is created, and ioredis re-subscribes after
  // every reconnect. Those first SUBSCRIBEs must wait for Redis however long it takes
  // (no retry limit): failed ones would leave this process deaf to the others for good.
  const subOptions: RedisOptions = { retryStrategy, maxRetriesPerRequest: null };
  const pub = new Redis(url, pubOptions);
  const sub = new Redis(url, subOptions);

  let lastLog = 0;
  const report = (what: string, e: Error) => {
    if (Date.now() - lastLog < 10_000) return;
    lastLog = Date.now();
    log.error(`[tandem] redis ${what} (local delivery continues): ${e.message}`);
  };
  for (const client of [pub, sub]) client.on("error", (e: Error) => report("error", e));
  let wasDown = false;
  const reconnected = new Set<() => void>();
  const onStatus = () => {
    if (status() === "down") wasDown = true;
    else if (wasDown) {
      wasDown = false;
      log.info("[tandem] redis reconnected");
      for (const handler of reconnected) handler();
    }
  };
  for (const client of [pub, sub]) for (const event of ["ready", "close"]) client.on(event, onStatus);

  // redis-adapter's broadcast() calls pubClient.publish() and drops the promise. With
  // the offline queue off, a publish during an outage rejects, and an unhandled
  // rejection ends a Node process. Observe every publish here instead.
  const publish = pub.publish.bind(pub) as (...args: unknown[]) => Promise<number>;
  pub.publish = ((...args: unknown[]) => {
    const result = publish(...args);
    result.catch((e: Error) => report("publish failed", e));
    return result;
  }) as never;

  function status(): "ok" | "down" {
    return pub.status === "ready" && sub.status === "ready" ? "ok" : "down";
  }

  return {
    pub,
    sub,
    status,
    onReconnected: (handler) => void reconnected.add(handler),
    async close() {
      await Promise.allSettled([pub, sub].map(closeClient));
    },
  };
}

/**
 * Close one client without ever waiting on Redis for long. QUIT lets Redis
 * finish what was sent, but it needs a live connection: if Redis went away a
 * moment ago and the client has not noticed yet, the subscriber (which has an
 * offline queue and no retry limit) would hold QUIT until Redis returns and
 * stall a graceful shutdown past its grace period. So QUIT gets a second, and
 * the connection is dropped either way.
 */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === "ready") {
    const quit = client.quit().catch(() => undefined);
    await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }
  client.disconnect();
}
