import "server-only";
import type { AnyTicketEvent, TicketEventEnvelope } from "../../shared/realtime";
import type { TicketDTO } from "../../shared/dto";
import { type Audience, seesTags } from "../policy";

/**
 * An event as recorded: the envelope in staff numbering (`seq`, and any ticket
 * snapshot's `lastSeq`), plus its number in the requester numbering, null for
 * internal events. Never sent as is: `viewEvent` gives each audience its view.
 */
export type RecordedTicketEvent<E extends TicketEventEnvelope = AnyTicketEvent> = E & { publicSeq: number | null };

/** Cap on one replay (a page of a ticket's events); a client further behind fetches pages instead. */
export const MAX_REPLAY = 500;

/** Why a page loaded under another role cannot catch up: its seqs are in that role's numbering (AUDIENCE_CHANGED). */
export const AUDIENCE_CHANGED_MESSAGE = "What you may see of this ticket has changed; reload the page";

/** A ticket's newest event number in `audience`'s numbering. */
export function lastSeqFor(ticket: { lastSeq: number; lastPublicSeq: number }, audience: Audience): number {
  return audience === "staff" ? ticket.lastSeq : ticket.lastPublicSeq;
}

/**
 * `event` as `audience` sees it: numbered in that audience's sequence. A
 * ticket snapshot in an event is taken as of that event, so its `lastSeq` is
 * the event's own number, renumbered the same way.
 *
 * Throws for an internal event and the requester audience: callers select
 * what an audience may see first (the policy's deliveries, the log query), so
 * reaching this is a bug, and failing loudly beats leaking.
 */
export function viewEvent<E extends TicketEventEnvelope>(event: RecordedTicketEvent<E>, audience: Audience): E {
  const { publicSeq, ...envelope } = event;
  const seq = audience === "staff" ? event.seq : publicSeq;
  if (seq === null) throw new Error(`viewEvent: event ${event.ticketId}#${event.seq} is internal; requesters never see it`);
  // Stored snapshots are staff views: the requester's drops what only staff see.
  const data =
    "ticket" in envelope.data
      ? { ...envelope.data, ticket: withoutStaffFields({ ...envelope.data.ticket, lastSeq: seq }, audience) }
      : envelope.data;
  return { ...envelope, seq, data } as unknown as E;
}

function withoutStaffFields(ticket: TicketDTO, audience: Audience): TicketDTO {
  if (seesTags(audience) || ticket.tags === undefined) return ticket;
  const { tags: _tags, ...rest } = ticket;
  return rest;
}
