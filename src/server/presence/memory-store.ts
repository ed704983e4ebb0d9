import "server-only";
import type { PresenceStore, StoredPresence } from "./store";

/** Presence in this process's memory: the single-process setup (no REDIS_URL), and tests. */
export function createMemoryPresenceStore(): PresenceStore {
  const tickets = new Map<string, Map<string, StoredPresence>>();
  return {
    async put(items) {
      for (const { ticketId, entry } of items) {
        let entries = tickets.get(ticketId);
        if (!entries) tickets.set(ticketId, (entries = new Map()));
        entries.set(entry.key, { ...entry });
      }
    },
    async remove(items) {
      for (const { ticketId, key } of items) {
        const entries = tickets.get(ticketId);
        entries?.delete(key);
        if (entries?.size === 0) tickets.delete(ticketId);
      }
    },
    async read(ticketIds, now) {
      const out = new Map<string, StoredPresence[]>();
      for (const ticketId of ticketIds) {
        const entries = tickets.get(ticketId);
        const live: StoredPresence[] = [];
        for (const [key, entry] of entries ?? []) {
          if (entry.expiresAt > now) live.push({ ...entry });
          else entries!.delete(key);
        }
        if (entries?.size === 0) tickets.delete(ticketId);
        out.set(ticketId, live);
      }
      return out;
    },
  };
}
