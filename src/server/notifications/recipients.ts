import "server-only";
import type { Role } from "../../shared/enums";
import { mentionedHandles } from "../../shared/mentions";
import type { NotificationKind, NotificationSettingsDTO } from "../../shared/notifications";
import type { RecordedTicketEvent } from "../events/view-event";
import { isInternalEvent, mayBeMentioned, mayBeNotifiedOf, notificationKindsFor } from "../policy";

/** A user the rule may name, with what the policy needs and their switches. */
export type Candidate = { id: string; role: Role; active: boolean; settings: NotificationSettingsDTO };

export type RecipientContext = {
  /** The ticket as it is now (its requester and assignee). */
  ticket: { requesterId: string; assigneeId: string | null };
  /** Every user the rule may name for this event; anyone missing is not notified. */
  users: ReadonlyMap<string, Candidate>;
  /** Handle → ids of the staff members with that handle. */
  staffByHandle: ReadonlyMap<string, readonly string[]>;
  /** Users who switched on new-ticket notifications. */
  newTicketWatchers: readonly string[];
};

export type Recipient = { userId: string; kind: NotificationKind };

/**
 * Who is notified of `event`, and of what: one notification per user at
 * most, the most specific kind that applies and that they have switched on
 * (mentioned, then assigned, then replied, then new ticket).
 *
 * - mention: staff @mentioned in a comment or internal note;
 * - assigned: the new assignee of a ticket;
 * - reply: a public comment, for the ticket's requester and assignee;
 * - new_ticket: a new ticket, for staff who opted in.
 *
 * Never the actor. Never anyone the policy says may not hear of this event
 * (`mayBeNotifiedOf`: a requester is never told of an internal note) or for
 * whom the kind does not apply (`notificationKindsFor`).
 */
export function recipientsOf(event: RecordedTicketEvent, ctx: RecipientContext): Recipient[] {
  const internal = isInternalEvent(event);
  const proposed: Recipient[] = [];
  const propose = (kind: NotificationKind, ids: Iterable<string | null>) => {
    for (const userId of ids) if (userId) proposed.push({ userId, kind });
  };
  switch (event.type) {
    case "comment:added":
      propose("mention", mentionedHandles(event.data.comment.body).flatMap((h) => ctx.staffByHandle.get(h) ?? []));
      if (!internal) propose("reply", [ctx.ticket.requesterId, ctx.ticket.assigneeId]);
      break;
    case "ticket:updated":
      propose("assigned", [event.data.changes.assignee?.to?.id ?? null]);
      break;
    case "ticket:created":
      propose("new_ticket", ctx.newTicketWatchers);
      break;
    case "attachment:added":
      break;
  }
  const order = (k: NotificationKind) => KIND_ORDER.indexOf(k);
  proposed.sort((a, b) => order(a.kind) - order(b.kind));

  const chosen = new Map<string, NotificationKind>();
  for (const { userId, kind } of proposed) {
    if (userId === event.actor.id || chosen.has(userId)) continue;
    const user = ctx.users.get(userId);
    if (!user || !user.settings[kind]) continue;
    if (!mayBeNotifiedOf(user, { internal }, { requesterId: ctx.ticket.requesterId })) continue;
    if (!notificationKindsFor(user).includes(kind)) continue;
    if (kind === "mention" && !mayBeMentioned(user)) continue;
    chosen.set(userId, kind);
  }
  return [...chosen].map(([userId, kind]) => ({ userId, kind }));
}

/** Most specific first: the one notification a user gets says the most. */
const KIND_ORDER: NotificationKind[] = ["mention", "assigned", "reply", "new_ticket"];
