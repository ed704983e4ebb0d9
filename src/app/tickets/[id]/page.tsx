import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { TicketView } from "../../../components/tickets/ticket-view";
import { initialTicketState, MAX_TIMELINE, type TicketState } from "../../../client/ticket-state";
import { listAttachments } from "../../../server/attachments/list-attachments";
import { listComments } from "../../../server/comments/list-comments";
import { isAppError } from "../../../server/errors";
import { listLatestTicketEvents } from "../../../server/events/list-events";
import { getTicket } from "../../../server/tickets/get-ticket";
import { getDraft } from "../../../server/drafts/get-draft";
import { listStaff } from "../../../server/users/list-staff";
import { audienceOf, can, permissionsOf } from "../../../server/policy";
import type { SessionUser, StaffRef } from "../../../shared/dto";
import { currentUser, requirePageUser } from "../../_lib/session";

type Props = { params: Promise<{ id: string }> };

/**
 * Everything the page shows, or null when the ticket does not exist for this
 * user. Events are read first and give the seq the live view starts from;
 * what is read after is at least as new, and the socket join replays anything
 * later, so nothing falls between the two (duplicates are dropped client-side).
 */
const loadTicketPage = cache(
  async (
    user: SessionUser,
    id: string,
  ): Promise<{ state: TicketState; staff: StaffRef[]; draft: { body: string; internal: boolean } | null } | null> => {
    try {
      // The newest events first (the timeline keeps MAX_TIMELINE), then the
      // snapshot: read after them, it holds at least what they did, and the
      // client's live updates resume after `seq`.
      const { events, seq } = await listLatestTicketEvents(user, id, MAX_TIMELINE);
      const [ticket, comments, attachments, staff, draft] = await Promise.all([
        getTicket(user, id),
        listComments(user, id),
        listAttachments(user, id),
        can(user, "user:list:staff") ? listStaff(user) : Promise.resolve([]),
        getDraft(user, id),
      ]);
      return {
        state: initialTicketState({ ticket, comments, attachments, events, seq }),
        staff,
        draft: draft ? { body: draft.body, internal: draft.internal } : null,
      };
    } catch (e) {
      if (isAppError(e) && e.code === "NOT_FOUND") return null;
      throw e;
    }
  },
);

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const user = await currentUser();
  const data = user ? await loadTicketPage(user, id) : null;
  return { title: data ? `#${data.state.ticket.number} ${data.state.ticket.title}` : "Ticket" };
}

export default async function TicketPage({ params }: Props) {
  const { id } = await params;
  const user = await requirePageUser(`/tickets/${encodeURIComponent(id)}`);
  const data = await loadTicketPage(user, id);
  if (!data) notFound();
  // Keyed by the audience too: a page rendered again after the user's role
  // changed (a link to the same ticket) starts over in the new numbering
  // instead of keeping the old role's events and seq.
  return <TicketView key={`${data.state.ticket.id}:${audienceOf(user)}`} initial={data.state} user={user} permissions={permissionsOf(user)} staff={data.staff} draft={data.draft} audience={audienceOf(user)} />;
}
