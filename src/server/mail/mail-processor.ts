import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import type { Role } from "../../shared/enums";
import { GATHER_MS, type Processor } from "../engine/processor";
import type { StreamEvent } from "../engine/stream";
import type { RecordedTicketEvent } from "../events/view-event";
import { mentionedStaff } from "../notifications/mentioned-staff";
import { audienceOf, isInternalEvent } from "../policy";
import { type EmailRow, emailSettingsFromRow } from "./email-settings-row";
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
    gatherMs: GATHER_MS,
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

type TicketRow = { id: string; number: number; title: string; requesterId: string; assigneeId: string | null };
/** Without a settings row, the email columns come back null: the role's defaults, as for a null column. */
type UserRow = EmailRow & { id: string; name: string; role: Role; active: boolean };

export async function queueMails(deps: MailProcessorDeps, batch: StreamEvent[]): Promise<void> {
  const { prisma } = deps;
  const now = Date.now();
  const events = batch.flatMap((e) => (e.event && mayMail(e.event) && now - Date.parse(e.event.at) < MAX_EVENT_AGE_MS ? [e.event] : []));
  if (events.length === 0) return;

  const staffByHandle = await mentionedStaff(prisma, events);
  const named = new Set<string>([...staffByHandle.values()].flat());
  for (const e of events) if (e.type === "ticket:updated" && e.data.changes.assignee?.to) named.add(e.data.changes.assignee.to.id);
  // One raw statement for the tickets and every candidate (their requesters
  // and assignees, and whoever the events name) with their email switches,
  // where two ORM calls each cost a millisecond of query compilation.
  const [found] = await prisma.$queryRaw<{ tickets: TicketRow[]; users: UserRow[] }[]>`
    WITH t AS (
      SELECT "id", "number", "title", "requesterId", "assigneeId" FROM "Ticket"
      WHERE "id" = ANY(${[...new Set(events.map((e) => e.ticketId))]}::text[])
    ), ids AS (
      SELECT "requesterId" AS "id" FROM t
      UNION SELECT "assigneeId" FROM t WHERE "assigneeId" IS NOT NULL
      UNION SELECT unnest(${[...named]}::text[])
    )
    SELECT
      (SELECT COALESCE(json_agg(t), '[]'::json) FROM t) AS "tickets",
      (SELECT COALESCE(json_agg(json_build_object(
                'id', u."id", 'name', u."name", 'role', u."role", 'active', u."active",
                'emailReply', s."emailReply", 'emailResolved', s."emailResolved", 'emailAssigned', s."emailAssigned", 'emailMention', s."emailMention")), '[]'::json)
       FROM "User" u LEFT JOIN "NotificationSettings" s ON s."userId" = u."id"
       WHERE u."id" IN (SELECT "id" FROM ids)) AS "users"`;
  const tickets = new Map(found!.tickets.map((t) => [t.id, t]));
  const names = new Map(found!.users.map((u) => [u.id, u.name]));
  const users = new Map<string, MailCandidate>(
    found!.users.map((u) => [u.id, { id: u.id, role: u.role, active: u.active, email: emailSettingsFromRow(u, u) }]),
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
