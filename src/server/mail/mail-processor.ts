import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import type { Processor } from "../engine/processor";
import type { StreamEvent } from "../engine/stream";
import type { RecordedTicketEvent } from "../events/view-event";
import { mentionedStaff } from "../notifications/mentioned-staff";
import { audienceOf, isInternalEvent } from "../policy";
import { emailSettingsFromRow } from "./email-settings-row";
import { type MailCandidate, mailRecipientsOf } from "./mail-recipients";
import { renderMail } from "./render-mail";
import { unsubscribeUrl } from "./unsubscribe-token";

/** The processor's name: its stored cursor's key and its lease's name. Never rename it (a new name starts at the head). */
export const MAIL_PROCESSOR = "mail";

/**
 * Events older than this queue no mail: after a long outage, or mail turned
 * on again after a while off, people get no stale pile of mails about what
 * they have long dealt with in the app.
 */
const MAX_EVENT_AGE_MS = 24 * 3600 * 1000;

export type MailProcessorDeps = {
  prisma: PrismaClient;
  /** SMTP_URL is set. When not, the processor still runs and queues nothing, so its cursor stays at the head and turning mail on later does not mail old history. */
  enabled: boolean;
  delaySeconds: number;
  /** Read when a mail is queued: APP_URL is known only once the port is (PORT=0). */
  appUrl: () => string;
  secret: string;
  /** Tells the worker that mails may be due now (MAIL_DELAY_SECONDS=0). */
  wakeWorker: () => void;
};

/**
 * The mail processor: a cluster-scope processor of the event stream (one
 * process at a time, from a stored cursor; see ../engine/processor.ts) that
 * decides who is mailed about each event (./mail-recipients.ts) and queues
 * one OutboundMail row each, due MAIL_DELAY_SECONDS after the event. Sending
 * is the worker's (./mail-worker.ts): it checks at that time whether the
 * user read the event in the app meanwhile.
 *
 * Delivery of events is at least once; the row's unique key (user, ticket,
 * seq, kind) makes a batch handed over again queue nothing twice.
 */
export function createMailProcessor(deps: MailProcessorDeps): Processor {
  return {
    name: MAIL_PROCESSOR,
    scope: "cluster",
    batchSize: 100,
    handle: (batch) => (deps.enabled ? queueMails(deps, batch) : undefined),
  };
}

/** Whether an event can mail anyone (the rest need no queries). */
function mayMail(event: RecordedTicketEvent): boolean {
  switch (event.type) {
    case "comment:added":
      return true;
    case "ticket:updated":
      return Boolean(event.data.changes.assignee?.to) || event.data.changes.status?.to === "RESOLVED";
    case "ticket:created":
    case "attachment:added":
      return false;
  }
}

export async function queueMails(deps: MailProcessorDeps, batch: StreamEvent[]): Promise<void> {
  const { prisma } = deps;
  const now = Date.now();
  const events = batch.flatMap((e) => (e.event && mayMail(e.event) && now - Date.parse(e.event.at) < MAX_EVENT_AGE_MS ? [e.event] : []));
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
  const ids = new Set<string>([...staffByHandle.values()].flat());
  for (const t of tickets.values()) {
    ids.add(t.requesterId);
    if (t.assigneeId) ids.add(t.assigneeId);
  }
  for (const e of events) if (e.type === "ticket:updated" && e.data.changes.assignee?.to) ids.add(e.data.changes.assignee.to.id);
  const found = await prisma.user.findMany({
    where: { id: { in: [...ids] } },
    select: {
      id: true,
      name: true,
      role: true,
      active: true,
      notificationSettings: { select: { emailReply: true, emailResolved: true, emailAssigned: true, emailMention: true } },
    },
  });
  const names = new Map(found.map((u) => [u.id, u.name]));
  const users = new Map<string, MailCandidate>(
    found.map((u) => [u.id, { id: u.id, role: u.role, active: u.active, email: emailSettingsFromRow(u.notificationSettings, u) }]),
  );

  const appUrl = deps.appUrl();
  const rows = events.flatMap((event) => {
    const ticket = tickets.get(event.ticketId);
    if (!ticket) return [];
    const internal = isInternalEvent(event);
    return mailRecipientsOf(event, { ticket, users, staffByHandle }).flatMap(({ userId, kind }) => {
      const user = users.get(userId)!;
      const staff = audienceOf(user) === "staff";
      // The rule already keeps requesters from notes; this keeps a bug there from leaking one.
      if (internal && !staff) return [];
      const readSeq = staff ? event.seq : event.publicSeq;
      if (readSeq === null) return [];
      const body = event.type === "comment:added" && (kind === "reply" || kind === "mention") ? event.data.comment.body : undefined;
      const content = renderMail({
        kind,
        recipientName: names.get(userId) ?? "",
        actorName: event.actor.name,
        ticket,
        body,
        appUrl,
        unsubscribeUrl: unsubscribeUrl(appUrl, deps.secret, userId, kind),
      });
      return [
        {
          userId,
          ticketId: event.ticketId,
          seq: event.seq,
          kind,
          readSeq,
          internal,
          ...content,
          // From the event's time, not the processor's: a backlog does not add to the wait.
          nextAttemptAt: new Date(Date.parse(event.at) + deps.delaySeconds * 1000),
        },
      ];
    });
  });
  if (rows.length === 0) return;
  // ON CONFLICT DO NOTHING: an event handed over again queues nothing new.
  const { count } = await prisma.outboundMail.createMany({ data: rows, skipDuplicates: true });
  if (count > 0) deps.wakeWorker();
}
