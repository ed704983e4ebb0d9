import "server-only";
import { db } from "../db";
import { type Actor, authorize } from "../policy";
import { STATUS_STALE_MS } from "../realtime/process-status";

export type ProcessRow = {
  id: string;
  pid: number;
  host: string;
  startedAt: string;
  sockets: number;
  redis: string;
  relayLagMs: number | null;
  seenAt: string;
  /** No report for STATUS_STALE_MS: stopped, killed or stuck. */
  reporting: boolean;
};

/** Every app process that reported in the last hour, newest first (admins only). */
export async function listProcesses(actor: Actor): Promise<ProcessRow[]> {
  authorize(actor, "realtime:inspect");
  const rows = await db().processStatus.findMany({ orderBy: [{ seenAt: "desc" }, { startedAt: "desc" }] });
  const now = Date.now();
  return rows.map((r) => ({
    ...r,
    startedAt: r.startedAt.toISOString(),
    seenAt: r.seenAt.toISOString(),
    reporting: now - r.seenAt.getTime() <= STATUS_STALE_MS,
  }));
}
