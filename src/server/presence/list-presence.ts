import "server-only";
import type { ErrorInfo } from "../../shared/errors";
import { type PresenceListAck, ZPresenceList } from "../../shared/realtime";
import { type Actor, can, type PresenceEntry, presenceCap, presenceSummaryOf } from "../policy";

export type ListPresenceDeps = {
  /** Current entries per ticket id (every asked id present). */
  read(ticketIds: string[]): Promise<Map<string, PresenceEntry[]>>;
  /** Keep this socket's list current from now on (see presence-hub.ts's tick). */
  watch(ticketIds: string[]): void;
  describeError(e: unknown): ErrorInfo;
};

/**
 * `presence:list`: who is viewing each ticket of a staff member's ticket
 * list, as the staff summary (no typing intent). Requesters are refused:
 * their list is their own tickets, and who works on them is shown on the
 * ticket page only. Each ticket's list is capped like presence:summary.
 */
export async function listPresence(actor: Actor, payload: unknown, deps: ListPresenceDeps): Promise<PresenceListAck> {
  if (!can(actor, "presence:list")) return { ok: false, error: { code: "FORBIDDEN", message: "You are not allowed to do that" } };
  const parsed = ZPresenceList.safeParse(payload);
  if (!parsed.success) return { ok: false, error: { code: "VALIDATION", message: "Invalid presence:list payload" } };
  const ticketIds = [...new Set(parsed.data.ticketIds)];
  deps.watch(ticketIds);
  try {
    const entries = await deps.read(ticketIds);
    const viewers: Record<string, ReturnType<typeof presenceSummaryOf>> = {};
    const totals: Record<string, number> = {};
    for (const ticketId of ticketIds) {
      const summary = presenceCap(presenceSummaryOf(entries.get(ticketId) ?? []));
      viewers[ticketId] = summary.viewers;
      totals[ticketId] = summary.total;
    }
    return { ok: true, viewers, totals };
  } catch (e) {
    return { ok: false, error: deps.describeError(e) };
  }
}
