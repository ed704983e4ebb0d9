/**
 * Process-wide singletons shared between server.ts and Next's route handlers.
 *
 * Next bundles route handlers separately from server.ts, so a module-level
 * variable there is a different copy (vercel/next.js#79401). Everything that
 * must be one-per-process (the Prisma client over the single PGlite instance,
 * the realtime publisher) lives on one `globalThis` slot instead. Free of
 * `server-only` because server.ts loads it outside Next.
 */
import type { PrismaClient } from "../generated/prisma/client";
import type { RecordedTicketEvent } from "./events/view-event";

/** Emits a committed event to whoever may hear it, each audience in its own numbering. */
export type Publisher = (event: RecordedTicketEvent) => void;

export type ReadinessProbe = () => Promise<{ redis: "ok" | "down" | "disabled"; sockets: number }>;

type Runtime = {
  prisma?: PrismaClient;
  publish?: Publisher;
  readiness?: ReadinessProbe;
  shuttingDown?: boolean;
};

const KEY = Symbol.for("tandem.runtime");

/** The one per-process runtime registry. */
export function runtime(): Runtime {
  const g = globalThis as unknown as Record<symbol, Runtime | undefined>;
  return (g[KEY] ??= {});
}
