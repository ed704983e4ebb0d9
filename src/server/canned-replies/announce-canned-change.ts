import "server-only";
import type { CannedChanged } from "../../shared/realtime";
import { cannedReplyAudience } from "../policy";
import { runtime } from "../runtime";

/**
 * Tell the open pages that may show `reply` that it changed (call after the
 * commit): the staff room for a shared reply, the owner's room for a
 * personal one, as the policy says. Through the adapter, so every process's
 * sockets hear it (with REDIS_URL); best effort, since clients re-read the
 * list after every reconnect.
 */
export function announceCannedChange(reply: { id: string; ownerId: string | null }, change: CannedChanged["change"]): void {
  const event: CannedChanged = { id: reply.id, change, shared: reply.ownerId === null };
  const audience = cannedReplyAudience(reply);
  if ("staff" in audience) runtime().toStaff?.("canned:changed", event);
  else runtime().toUser?.(audience.userId, "canned:changed", event);
}
