import "server-only";
import type { PresenceEntry } from "../policy";

/**
 * One socket's presence on one ticket as stored: the policy's entry plus the
 * socket it belongs to and two deadlines. `expiresAt` is liveness: the
 * owning process pushes it forward on a timer while the socket is connected,
 * so entries of a process that died without cleaning up (kill -9) lapse on
 * their own. `composingUntil` is typing intent, pushed forward by the
 * client's typing beats.
 */
export type StoredPresence = Omit<PresenceEntry, "composing"> & {
  /** The socket's id: unique across processes, so processes never overwrite each other's entries. */
  key: string;
  composing: PresenceEntry["composing"];
  composingUntil: number;
  expiresAt: number;
};

export type PresenceItem = { ticketId: string; entry: StoredPresence };

/**
 * Where presence lives: this process's memory, or Redis shared by every
 * process. Reads return only entries that have not expired at `now`.
 */
export interface PresenceStore {
  put(items: readonly PresenceItem[]): Promise<void>;
  remove(items: ReadonlyArray<{ ticketId: string; key: string }>): Promise<void>;
  read(ticketIds: readonly string[], now: number): Promise<Map<string, StoredPresence[]>>;
}

/** What the policy sees of stored entries at `now`: typing intent past its beat is gone. */
export function entriesAt(stored: readonly StoredPresence[], now: number): PresenceEntry[] {
  return stored.map((s) => ({
    userId: s.userId,
    name: s.name,
    role: s.role,
    idle: s.idle,
    composing: s.composing && s.composingUntil > now ? s.composing : null,
  }));
}
