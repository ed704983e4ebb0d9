import type { AttachmentDTO, CommentDTO, TicketDTO } from "../shared/dto";
import type { AnyTicketEvent } from "../shared/realtime";

/**
 * Everything the ticket page shows, kept consistent under three sources that
 * overlap: the server render, HTTP responses to our own requests, and socket
 * events (live, replayed on join, or fetched over HTTP as a fallback).
 *
 * Invariants that make applying the same fact twice harmless:
 * - events are applied once, in seq order: one with seq ≤ `seq` is ignored
 *   (a requester's stream has gaps, so gaps are normal, never errors);
 * - the ticket snapshot only moves forward (higher or equal lastSeq wins);
 * - comments and attachments are keyed by id.
 */
export type TicketState = {
  ticket: TicketDTO;
  comments: CommentDTO[];
  attachments: AttachmentDTO[];
  /** Applied events, oldest first: the activity timeline. */
  events: AnyTicketEvent[];
  /** Highest event seq applied. */
  seq: number;
};

export type TicketAction =
  | { type: "events"; events: AnyTicketEvent[] }
  | { type: "ticket"; ticket: TicketDTO }
  | { type: "comment"; comment: CommentDTO }
  | { type: "attachment"; attachment: AttachmentDTO };

/** Cap on the timeline kept in memory; older entries are dropped first. */
export const MAX_TIMELINE = 500;

function newerTicket(current: TicketDTO, next: TicketDTO): TicketDTO {
  return next.lastSeq >= current.lastSeq ? next : current;
}

function addById<T extends { id: string; createdAt: string }>(list: T[], item: T): T[] {
  if (list.some((x) => x.id === item.id)) return list;
  const next = [...list, item];
  // Keep server order (createdAt, id) even when items arrive out of order.
  next.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
  return next;
}

function applyEvent(state: TicketState, event: AnyTicketEvent): TicketState {
  if (event.ticketId !== state.ticket.id || event.seq <= state.seq) return state;
  const next: TicketState = {
    ...state,
    seq: event.seq,
    events: [...state.events, event].slice(-MAX_TIMELINE),
  };
  switch (event.type) {
    case "ticket:created":
    case "ticket:updated":
      next.ticket = newerTicket(state.ticket, event.data.ticket);
      break;
    case "comment:added":
      next.comments = addById(state.comments, event.data.comment);
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
      return [...action.events].sort((a, b) => a.seq - b.seq).reduce(applyEvent, state);
    case "ticket":
      return action.ticket.id === state.ticket.id ? { ...state, ticket: newerTicket(state.ticket, action.ticket) } : state;
    case "comment":
      return { ...state, comments: addById(state.comments, action.comment) };
    case "attachment":
      return { ...state, attachments: addById(state.attachments, action.attachment) };
  }
}
