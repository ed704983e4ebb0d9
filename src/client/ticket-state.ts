import type { AttachmentDTO, CommentDTO, TicketDTO } from "../shared/dto";
import type { AnyTicketEvent } from "../shared/realtime";

/**
 * Everything the ticket page shows, kept consistent under three sources that
 * overlap: the server render, HTTP responses to our own requests, and socket
 * events (live, replayed on join, or fetched over HTTP as a fallback).
 *
 * Live events can arrive out of seq order (two requests on two processes
 * publish independently) and can be missed (a Redis outage, a dropped
 * connection). So the state tracks which seqs it has applied, not just the
 * highest one:
 * - `seq` is a watermark: every event with seq ≤ `seq` that this user may see
 *   has been applied. It advances over consecutive live events, and to the
 *   server's seq whenever the server hands over a complete range (a join ack
 *   or an HTTP page of events). Seqs are in this user's own numbering (staff:
 *   every event; requesters: public events only), gap-free either way, so a
 *   gap only ever means an event is late or lost;
 * - `ahead` holds the seqs above the watermark already applied. A non-empty
 *   `ahead` means a gap: the event may still be on its way, or lost, and the
 *   page fetches the range once it has waited a moment;
 * - every event is applied at most once; the ticket snapshot only moves
 *   forward (higher or equal lastSeq wins); comments and attachments are keyed
 *   by id, so our own HTTP response and the matching event show once.
 */
export type TicketState = {
  ticket: TicketDTO;
  comments: CommentDTO[];
  attachments: AttachmentDTO[];
  /** Applied events in seq order: the activity timeline. */
  events: AnyTicketEvent[];
  /** Watermark: all events this user may see up to here are applied. */
  seq: number;
  /** Seqs above the watermark that are applied, ascending. */
  ahead: number[];
};

export type TicketAction =
  /** Live events, in any order, possibly repeated. */
  | { type: "events"; events: AnyTicketEvent[] }
  /**
   * Everything this user may see in (watermark at request time, `seq`]: a
   * join ack or an events page from the server. Moves the watermark to `seq`.
   */
  | { type: "synced"; events: AnyTicketEvent[]; seq: number }
  | { type: "ticket"; ticket: TicketDTO }
  | { type: "comment"; comment: CommentDTO }
  | { type: "attachment"; attachment: AttachmentDTO };

/** Cap on the timeline kept in memory; older entries are dropped first. */
export const MAX_TIMELINE = 500;

/** The starting state for a ticket whose events up to `seq` are all in `events`. */
export function initialTicketState(
  init: Pick<TicketState, "ticket" | "comments" | "attachments" | "events" | "seq">,
): TicketState {
  return { ...init, ahead: [] };
}

/** Whether `event` is already reflected in `state`. */
export function isApplied(state: TicketState, event: AnyTicketEvent): boolean {
  return event.seq <= state.seq || state.ahead.includes(event.seq);
}

function newerTicket(current: TicketDTO, next: TicketDTO): TicketDTO {
  if (next.lastSeq < current.lastSeq) return current;
  // A snapshot recorded before tags existed says nothing about them: keep ours.
  return next.tags === undefined && current.tags !== undefined ? { ...next, tags: current.tags } : next;
}

function byTimeThenId(a: { id: string; createdAt: string }, b: { id: string; createdAt: string }) {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function addById<T extends { id: string; createdAt: string }>(list: T[], item: T): T[] {
  if (list.some((x) => x.id === item.id)) return list;
  // Keep server order (createdAt, id) even when items arrive out of order.
  return [...list, item].sort(byTimeThenId);
}

/** Move the watermark up over `ahead` seqs that are now consecutive. */
function settle(seq: number, ahead: number[]): Pick<TicketState, "seq" | "ahead"> {
  let i = 0;
  while (i < ahead.length && ahead[i]! <= seq + 1) {
    seq = Math.max(seq, ahead[i]!);
    i++;
  }
  return { seq, ahead: i === 0 ? ahead : ahead.slice(i) };
}

function applyEvent(state: TicketState, event: AnyTicketEvent): TicketState {
  if (event.ticketId !== state.ticket.id || isApplied(state, event)) return state;
  const events = [...state.events, event].sort((a, b) => a.seq - b.seq).slice(-MAX_TIMELINE);
  const next: TicketState = {
    ...state,
    events,
    ...settle(state.seq, [...state.ahead, event.seq].sort((a, b) => a - b)),
  };
  switch (event.type) {
    case "ticket:created":
    case "ticket:updated":
      next.ticket = newerTicket(state.ticket, event.data.ticket);
      break;
    case "comment:added":
      next.comments = addById(state.comments, event.data.comment);
      // Files sent with a comment also join the ticket's index of files.
      next.attachments = (event.data.comment.attachments ?? []).reduce(addById, state.attachments);
      break;
    case "attachment:added":
      next.attachments = addById(state.attachments, event.data.attachment);
      break;
  }
  return next;
}

export function ticketReducer(state: TicketState, action: TicketAction): TicketState {
  switch (action.type) {
    case "events":
      return action.events.reduce(applyEvent, state);
    case "synced": {
      const applied = action.events.reduce(applyEvent, state);
      if (action.seq <= applied.seq) return applied;
      return { ...applied, ...settle(action.seq, applied.ahead.filter((s) => s > action.seq)) };
    }
    case "ticket":
      return action.ticket.id === state.ticket.id ? { ...state, ticket: newerTicket(state.ticket, action.ticket) } : state;
    case "comment":
      return {
        ...state,
        comments: addById(state.comments, action.comment),
        attachments: (action.comment.attachments ?? []).reduce(addById, state.attachments),
      };
    case "attachment":
      return { ...state, attachments: addById(state.attachments, action.attachment) };
  }
}
