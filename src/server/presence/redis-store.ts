import "server-only";
import type { Redis } from "ioredis";
import { ROLES } from "../../shared/enums";
import { COMPOSING_KINDS } from "../../shared/realtime";
import type { PresenceStore, StoredPresence } from "./store";

const keyOf = (ticketId: string) => `tandem:presence:${ticketId}`;

function parse(raw: string): StoredPresence | null {
  try {
    const v = JSON.parse(raw) as StoredPresence;
    if (typeof v.key !== "string" || typeof v.userId !== "string" || typeof v.name !== "string") return null;
    if (!ROLES.includes(v.role) || typeof v.expiresAt !== "number" || typeof v.composingUntil !== "number") return null;
    if (v.composing !== null && !COMPOSING_KINDS.includes(v.composing)) return null;
    return { ...v, idle: v.idle === true };
  } catch {
    return null;
  }
}

/**
 * Presence shared by every process: one hash per ticket, one field per
 * socket, the entry (with its own deadline) as JSON. Redis 7.0 has no expiry
 * per hash field, so readers skip and delete fields past their deadline, and
 * the whole key expires `ttlMs` after its last write (every write pushes it
 * out; all processes use the same TTL, so no write shortens another's entry).
 *
 * `redis` should fail fast while Redis is down (no offline queue): presence
 * is best effort, and the owner's refresh timer writes everything again once
 * Redis is back.
 */
export function createRedisPresenceStore(redis: Redis, ttlMs: number): PresenceStore {
  return {
    async put(items) {
      if (items.length === 0) return;
      const batch = redis.pipeline();
      for (const { ticketId, entry } of items) {
        batch.hset(keyOf(ticketId), entry.key, JSON.stringify(entry));
        batch.pexpire(keyOf(ticketId), ttlMs + 1_000);
      }
      await failOnAnyError(await batch.exec());
    },
    async remove(items) {
      if (items.length === 0) return;
      const batch = redis.pipeline();
      for (const { ticketId, key } of items) batch.hdel(keyOf(ticketId), key);
      await failOnAnyError(await batch.exec());
    },
    async read(ticketIds, now) {
      const out = new Map<string, StoredPresence[]>();
      if (ticketIds.length === 0) return out;
      const batch = redis.pipeline();
      for (const ticketId of ticketIds) batch.hgetall(keyOf(ticketId));
      const results = (await batch.exec()) ?? [];
      const stale = redis.pipeline();
      let staleCount = 0;
      ticketIds.forEach((ticketId, i) => {
        const [err, fields] = results[i] ?? [new Error("no reply"), null];
        if (err) throw err;
        const live: StoredPresence[] = [];
        for (const [field, raw] of Object.entries((fields ?? {}) as Record<string, string>)) {
          const entry = parse(raw);
          if (entry && entry.expiresAt > now) live.push(entry);
          else {
            stale.hdel(keyOf(ticketId), field);
            staleCount++;
          }
        }
        out.set(ticketId, live);
      });
      // Entries of a process that died: cleaning them is anyone's job, and nobody waits for it.
      if (staleCount > 0) stale.exec().catch(() => undefined);
      return out;
    },
  };
}

async function failOnAnyError(results: [Error | null, unknown][] | null): Promise<void> {
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
}
