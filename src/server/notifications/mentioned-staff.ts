import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import { handleOf, mentionedHandles } from "../../shared/mentions";
import type { RecordedTicketEvent } from "../events/view-event";
import { MENTIONABLE } from "../policy";

/**
 * Handle → ids of the mentionable staff with that handle, for every handle
 * written in the comments among `events` (one query for a whole batch).
 * Shared by the in-app and the email processors, so both read mentions alike.
 */
export async function mentionedStaff(prisma: PrismaClient, events: readonly RecordedTicketEvent[]): Promise<Map<string, string[]>> {
  const handles = [...new Set(events.flatMap((e) => (e.type === "comment:added" ? mentionedHandles(e.data.comment.body) : [])))];
  const staffByHandle = new Map<string, string[]>();
  if (handles.length === 0) return staffByHandle;
  // Prefix matches cannot over-match once compared by handle below.
  const staff = await prisma.user.findMany({
    where: { ...MENTIONABLE, OR: handles.map((h) => ({ email: { startsWith: `${h}@`, mode: "insensitive" as const } })) },
    select: { id: true, email: true },
  });
  for (const s of staff) {
    const h = handleOf(s.email);
    if (handles.includes(h)) staffByHandle.set(h, [...(staffByHandle.get(h) ?? []), s.id]);
  }
  return staffByHandle;
}
