/**
 * Process-wide singletons shared between server.ts and Next's route handlers.
 *
 * Next bundles route handlers separately from server.ts, so a module-level
 * variable there is a different copy (vercel/next.js#79401). Everything that
 * must be one-per-process (the Prisma client over the single PGlite instance,
 * the event engine's wake-up) lives on one `globalThis` slot instead. Free of
 * `server-only` because server.ts loads it outside Next.
 */
import type { PrismaClient } from "../generated/prisma/client";
import type { Sql } from "./db/sql";
import type { StaffRoomEvents, UserRoomEvents } from "../shared/realtime";
import type { RecordedTicketEvent } from "./events/view-event";

export type ReadinessProbe = () => Promise<{ redis: "ok" | "down" | "disabled"; sockets: number }>;

/**
 * Closes open sockets on every process (through the Redis adapter when there
 * is one). Set by the realtime server; use cases call it after their commit.
 */
export type SocketCloser = {
  /** The sockets of these sessions: they were revoked. */
  closeSessions(sessionIds: string[]): void;
  /** Every socket of this user; those whose session is still valid reconnect with a fresh handshake. */
  closeUser(userId: string): void;
};

/**
 * Sends an event to every socket of one user, on every process (through the
 * Redis adapter when there is one). Set by the realtime server; for
 * per-user events that are not ticket events (notifications).
 */
export type UserEmitter = <K extends keyof UserRoomEvents>(userId: string, event: K, payload: UserRoomEvents[K]) => void;

/** Sends an event to every staff socket (the `staff` room), on every process. */
export type StaffEmitter = <K extends keyof StaffRoomEvents>(event: K, payload: StaffRoomEvents[K]) => void;

type Runtime = {
  prisma?: PrismaClient;
  /** Direct statements for the hot paths, on the same database (src/server/db/sql.ts). */
  sql?: Sql;
  /**
   * Tells this process's event-stream processors that something committed
   * (see src/server/engine); `urgent` false when this process has delivered
   * it to its sockets already, so the relay's read may wait and be shared.
   */
  wake?: (urgent?: boolean) => void;
  /** Delivers an event this process just committed to its own sockets now, if in order (src/server/realtime/relay.ts). */
  deliverCommitted?: (event: RecordedTicketEvent, requesterId: string) => boolean;
  readiness?: ReadinessProbe;
  sockets?: SocketCloser;
  /**
   * Sends a private, non-ticket message to every socket of one user, on every
   * process (through the adapter): drafts and read marks following the user
   * across tabs. Best effort: a tab that misses one re-reads on reconnect.
   */
  toUser?: UserEmitter;
  /**
   * Sends a message that is not a ticket event to every staff socket, on
   * every process (through the adapter): shared canned replies changing.
   * Best effort, like toUser: a tab that misses one re-reads on reconnect.
   */
  toStaff?: StaffEmitter;
  /** Tells this process's mail worker that a mail is due now (an invite); without it the worker finds it at its next poll. */
  wakeMailWorker?: () => void;
  shuttingDown?: boolean;
};

const KEY = Symbol.for("tandem.runtime");

/** The one per-process runtime registry. */
export function runtime(): Runtime {
  const g = globalThis as unknown as Record<symbol, Runtime | undefined>;
  return (g[KEY] ??= {});
}
