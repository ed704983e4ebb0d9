import "server-only";
import type { Role } from "../../shared/enums";
import type { EmailSettingsDTO, MailKind } from "../../shared/mail";
import type { RecordedTicketEvent } from "../events/view-event";
import { type Candidate, recipientsOf } from "../notifications/recipients";
import { mailKindsFor, mayBeNotifiedOf } from "../policy";

/** A user the rule may name, with their email switches (not their in-app ones). */
export type MailCandidate = { id: string; role: Role; active: boolean; email: EmailSettingsDTO };

export type MailContext = {
  ticket: { requesterId: string; assigneeId: string | null };
  users: ReadonlyMap<string, MailCandidate>;
  staffByHandle: ReadonlyMap<string, readonly string[]>;
};

export type MailRecipient = { userId: string; kind: MailKind };

/**
 * Who is mailed about `event`, and as what: the in-app rule (../notifications/recipients.ts:
 * never the actor, one kind per user, the policy's `mayBeNotifiedOf`, so a
 * requester never hears of an internal note) run on the users' email
 * switches instead of their in-app ones, narrowed to the kinds that apply
 * to each by mail (`mailKindsFor`), plus one kind the app has no
 * notification for: the requester hears that their ticket was resolved.
 */
export function mailRecipientsOf(event: RecordedTicketEvent, ctx: MailContext): MailRecipient[] {
  const asCandidates = new Map<string, Candidate>();
  for (const u of ctx.users.values()) {
    asCandidates.set(u.id, { ...u, settings: { mention: u.email.mention, assigned: u.email.assigned, reply: u.email.reply, new_ticket: false } });
  }
  const chosen: MailRecipient[] = [];
  for (const r of recipientsOf(event, { ticket: ctx.ticket, users: asCandidates, staffByHandle: ctx.staffByHandle, newTicketWatchers: [] })) {
    const user = ctx.users.get(r.userId);
    if (r.kind !== "new_ticket" && user && mailKindsFor(user).includes(r.kind)) chosen.push({ userId: r.userId, kind: r.kind });
  }
  if (event.type === "ticket:updated" && event.data.changes.status?.to === "RESOLVED") {
    const requester = ctx.users.get(ctx.ticket.requesterId);
    if (
      requester &&
      requester.id !== event.actor.id &&
      requester.email.resolved &&
      mailKindsFor(requester).includes("resolved") &&
      mayBeNotifiedOf(requester, { internal: false }, ctx.ticket) &&
      !chosen.some((c) => c.userId === requester.id)
    ) {
      chosen.push({ userId: requester.id, kind: "resolved" });
    }
  }
  return chosen;
}
