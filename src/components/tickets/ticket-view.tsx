"use client";

import { Link } from "../ui/link";
import { useState } from "react";
import type { Permissions } from "../../shared/permissions";
import type { SessionUser, StaffRef } from "../../shared/dto";
import type { AnyTicketEvent, Audience } from "../../shared/realtime";
import { isApplied, type TicketState } from "../../client/ticket-state";
import { useLiveTicket } from "../../hooks/use-live-ticket";
import { useMarkRead } from "../../hooks/use-mark-read";
import { othersWritingReply, usePresence } from "../../client/presence";
import { PresencePanel } from "./presence-panel";
import { describeEvent } from "../lib/format";
import { useTicketEvents } from "../../client/realtime-provider";
import { TimeAgo } from "../ui/time-ago";
import { ActivityTimeline } from "./activity-timeline";
import { AttachmentsPanel } from "./attachments-panel";
import { PriorityBadge, StatusBadge } from "./badges";
import { CommentForm } from "./comment-form";
import { CommentThread } from "./comment-thread";
import { TagEditor } from "./tag-editor";
import { TicketFields } from "./ticket-fields";

function snippet(body: string): string {
  return body.length > 140 ? `${body.slice(0, 140)}…` : body;
}

/** The ticket page body, live: every change by anyone shows up here without a reload. */
export function TicketView({
  initial,
  user,
  permissions,
  staff,
  draft,
  audience,
}: {
  initial: TicketState;
  /** The numbering `initial`'s seqs are in (the user's audience as the page was made). */
  audience: Audience;
  user: SessionUser;
  /** What this user may do (from the policy); controls follow it, never the role. */
  permissions: Permissions;
  staff: StaffRef[];
  /** The user's saved reply-box draft, if any. */
  draft: { body: string; internal: boolean } | null;
}) {
  const { state, dispatch, refresh, liveError } = useLiveTicket(initial, audience);
  const { ticket, comments, attachments, events } = state;
  const [announcement, setAnnouncement] = useState("");
  useMarkRead(ticket.id, state.seq);
  const { viewers, total, setComposing } = usePresence(ticket.id);
  const writingReply = othersWritingReply(viewers, user.id).map((v) => v.name);

  // Tell screen-reader users what others just did; our own actions are already
  // evident. Runs before the event is applied, so `isApplied` skips replays.
  useTicketEvents((event: AnyTicketEvent) => {
    if (event.ticketId === ticket.id && event.actor.id !== user.id && !isApplied(state, event)) {
      const text = [...describeEvent(event), ...(event.type === "comment:added" ? [snippet(event.data.comment.body)] : [])].join(". ");
      // Screen readers announce changes only: the same words twice in a row
      // (two comments by one person) must still differ in the DOM.
      setAnnouncement((previous) => (previous === text ? `${text}\u00a0` : text));
    }
  });

  return (
    <article className="ticket" aria-labelledby="ticket-title">
      <header className="ticket__header">
        <p className="ticket__crumbs">
          <Link href="/tickets">Tickets</Link> <span aria-hidden="true">/</span> #{ticket.number}
        </p>
        <h1 id="ticket-title">
          <span className="ticket__number">#{ticket.number}</span> {ticket.title}
        </h1>
        <p className="ticket__meta">
          <StatusBadge status={ticket.status} /> <PriorityBadge priority={ticket.priority} />{" "}
          <span className="muted">
            Opened by {ticket.requester.name} <TimeAgo iso={ticket.createdAt} /> · updated <TimeAgo iso={ticket.updatedAt} />
          </span>
        </p>
      </header>

      <PresencePanel viewers={viewers} total={total} userId={user.id} />

      {liveError && (
        <p role="alert" className="alert alert--error">
          {liveError}
        </p>
      )}
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>

      <div className="ticket__layout">
        <div className="ticket__main">
          <section className="card" aria-labelledby="description-title">
            <h2 id="description-title" className="card__title">
              Description
            </h2>
            <div className="prose">{ticket.description}</div>
          </section>

          <section className="card" aria-labelledby="conversation-title">
            <h2 id="conversation-title" className="card__title">
              Conversation <span className="count">{comments.length}</span>
            </h2>
            <CommentThread comments={comments} currentUserId={user.id} staff={staff} />
            <CommentForm
              ticketId={ticket.id}
              userId={user.id}
              canWriteInternal={permissions.writeInternal}
              onComment={(comment) => dispatch({ type: "comment", comment })}
              initialDraft={draft}
              comments={comments}
              staff={staff}
              canned={permissions.useCannedReplies ? { requester: { name: ticket.requester.name }, ticket: { number: ticket.number, title: ticket.title }, agent: { name: user.name } } : null}
              othersWritingReply={writingReply}
              onComposing={setComposing}
            />
          </section>
        </div>

        <aside className="ticket__side">
          <section className="card ticket__details" aria-labelledby="details-title">
            <h2 id="details-title" className="card__title">
              Details
            </h2>
            <TicketFields
              ticket={ticket}
              staff={staff}
              canEdit={permissions.changeWorkflow}
              canCloseOwn={!permissions.changeWorkflow && permissions.closeOwnTickets && ticket.requester.id === user.id}
              onTicket={(next) => dispatch({ type: "ticket", ticket: next })}
              onConflict={refresh}
            />
            {permissions.tagTickets && <TagEditor ticket={ticket} onTicket={(next) => dispatch({ type: "ticket", ticket: next })} />}
          </section>

          <section className="card" aria-labelledby="attachments-title">
            <h2 id="attachments-title" className="card__title">
              Attachments <span className="count">{attachments.length}</span>
            </h2>
            <AttachmentsPanel
              ticketId={ticket.id}
              attachments={attachments}
              onAttachment={(attachment) => dispatch({ type: "attachment", attachment })}
              writesInternal={permissions.writeInternal}
            />
          </section>

          <section className="card" aria-labelledby="activity-title">
            <h2 id="activity-title" className="card__title">
              Activity
            </h2>
            <ActivityTimeline events={events} />
          </section>
        </aside>
      </div>
    </article>
  );
}
