import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import { DEFAULT_NOTIFICATION_SETTINGS } from "../../shared/notifications";
import type { Processor } from "../engine/processor";
import type { StreamEvent } from "../engine/stream";
import type { RecordedTicketEvent } from "../events/view-event";
import { isInternalEvent } from "../policy";
import type { UserEmitter } from "../runtime";
import { toNotificationDTO } from "../serializers";
import { mentionedStaff } from "./mentioned-staff";
import { settingsFromRow } from "./settings-row";
import { type Candidate, recipientsOf } from "./recipients";

/** The processor's name: its stored cursor's key and its lease's name. Never rename it (a new name starts at the head). */
export const NOTIFICATIONS_PROCESSOR = "notifications";

/**
 * The notifications processor: a cluster-scope processor of the event stream
 * (one process at a time, from a stored cursor; see ../engine/processor.ts),
 * so a notification is neither lost across restarts, deploys and failover,
 * nor written twice: delivery is at least once, and each row's unique key
 * (user, ticket, seq) makes a batch handed over again insert nothing new.
 *
 * Recipients come from the rule in ./recipients.ts, on the ticket and users
 * as they are now, read in a few batch queries per batch of events. Only
 * rows actually inserted are announced (`notification:new` to the user's
 * room, through the adapter). A process that dies between the insert and
 * the emit announces nothing for those rows; clients re-read the list after
 * a reconnect, so they see them then.
 *
 * Its first run on a database positions its cursor at the stream's head
 * (run-processor.ts): installing it does not notify anyone of old history.
 */
export function createNotificationProcessor(deps: { prisma: PrismaClient; emitToUser: UserEmitter }): Processor {
  return {
    name: NOTIFICATIONS_PROCESSOR,
    scope: "cluster",
    batchSize: 100,
    handle: (batch) => notifyBatch(deps, batch),
  };
}

/** Whether an event can notify anyone (the rest need no queries). */
function mayNotify(event: RecordedTicketEvent): boolean {
  switch (event.type) {
    case "ticket:created":
    case "comment:added":
      return true;
    case "ticket:updated":
      return Boolean(event.data.changes.assignee?.to);
    case "attachment:added":
      return false;
  }
}

export async function notifyBatch(deps: { prisma: PrismaClient; emitToUser: UserEmitter }, batch: StreamEvent[]): Promise<void> {
  const { prisma } = deps;
  const events = batch.flatMap((e) => (e.event && mayNotify(e.event) ? [e.event] : []));
  if (events.length === 0) return;

  const tickets = new Map(
    (
      await prisma.ticket.findMany({
        where: { id: { in: [...new Set(events.map((e) => e.ticketId))] } },
        select: { id: true, number: true, title: true, requesterId: true, assigneeId: true },
      })
    ).map((t) => [t.id, t]),
  );

  const staffByHandle = await mentionedStaff(prisma, events);

  const newTicketWatchers = events.some((e) => e.type === "ticket:created")
    ? (await prisma.notificationSettings.findMany({ where: { newTicket: true, user: { active: true } }, select: { userId: true } })).map(
        (s) => s.userId,
      )
    : [];

  const ids = new Set<string>([...newTicketWatchers, ...[...staffByHandle.values()].flat()]);
  for (const t of tickets.values()) {
    ids.add(t.requesterId);
    if (t.assigneeId) ids.add(t.assigneeId);
  }
  for (const e of events) if (e.type === "ticket:updated" && e.data.changes.assignee?.to) ids.add(e.data.changes.assignee.to.id);
  const users = new Map<string, Candidate>(
    (
      await prisma.user.findMany({
        where: { id: { in: [...ids] } },
        select: { id: true, role: true, active: true, notificationSettings: true },
      })
    ).map((u) => [
      u.id,
      { id: u.id, role: u.role, active: u.active, settings: u.notificationSettings ? settingsFromRow(u.notificationSettings) : DEFAULT_NOTIFICATION_SETTINGS },
    ]),
  );

  const rows = events.flatMap((event) => {
    const ticket = tickets.get(event.ticketId);
    if (!ticket) return [];
    const internal = isInternalEvent(event);
    return recipientsOf(event, { ticket, users, staffByHandle, newTicketWatchers }).map((r) => ({
      userId: r.userId,
      kind: r.kind,
      ticketId: event.ticketId,
      seq: event.seq,
      actorId: event.actor.id,
      internal,
      createdAt: new Date(event.at),
    }));
  });
  if (rows.length === 0) return;

  // ON CONFLICT DO NOTHING RETURNING: only the rows this call inserted come back.
  const inserted = await prisma.notification.createManyAndReturn({
    data: rows,
    skipDuplicates: true,
    select: { id: true, userId: true, kind: true, ticketId: true, seq: true, createdAt: true, readAt: true },
  });
  const actors = new Map(events.map((e) => [`${e.ticketId}#${e.seq}`, e.actor]));
  for (const n of inserted) {
    const ticket = tickets.get(n.ticketId)!;
    const actor = actors.get(`${n.ticketId}#${n.seq}`)!;
    deps.emitToUser(n.userId, "notification:new", toNotificationDTO({ ...n, ticket, actor }));
  }
}
