import type { TicketDTO } from "../shared/dto";
import { CLOSED_STATUSES, type ViewFilter } from "../shared/views";
import { effectiveSort, type TICKET_SORTS } from "../shared/schemas/tickets";

export type TicketSort = (typeof TICKET_SORTS)[number];

/** The list filters as the URL carries them (a view's filter, see ViewFilter, plus the order). */
export type ListQuery = ViewFilter & { sort: TicketSort };

/**
 * Query string for GET /api/tickets (and the page URL). The sort is left out
 * when it is the default for the query (effectiveSort), so a search URL stays
 * `?q=…` and clearing the search falls back to the list's default order.
 */
export function toSearchParams(query: ListQuery, extra: Record<string, string> = {}): URLSearchParams {
  const params = new URLSearchParams();
  const sort = query.sort === effectiveSort({ q: query.q }) ? undefined : query.sort;
  for (const [key, value] of Object.entries({ ...query, sort, ...extra })) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  return params;
}

/**
 * The query after the search text changed to `q`: a search is ordered by
 * relevance unless another order was chosen, and a list without one by its
 * default when it was by relevance.
 */
export function withSearch(query: ListQuery, q: string): ListQuery {
  const text = q.trim() || undefined;
  const defaultSort = query.sort === effectiveSort({ q: query.q });
  return { ...query, q: text, sort: defaultSort ? effectiveSort({ q: text }) : effectiveSort({ q: text, sort: query.sort }) };
}

/**
 * Whether a ticket belongs in a list filtered by `query`, mirroring the
 * server's filters other than the search text (src/server/tickets/list-tickets.ts)
 * for live updates.
 * Visibility itself is the server's job: it only sends what we may see.
 */
export function matchesQuery(ticket: TicketDTO, query: ListQuery, userId: string): boolean {
  if (query.status && ticket.status !== query.status) return false;
  if (query.state === "open" && CLOSED_STATUSES.includes(ticket.status)) return false;
  if (query.priority && ticket.priority !== query.priority) return false;
  if (query.tag && !(ticket.tags ?? []).includes(query.tag)) return false;
  if (query.assignee === "none" && ticket.assignee) return false;
  if (query.assignee === "me" && ticket.assignee?.id !== userId) return false;
  if (query.assignee && query.assignee !== "none" && query.assignee !== "me" && ticket.assignee?.id !== query.assignee) {
    return false;
  }
  // Whether a ticket matches a full-text search is the server's to say
  // (stems, prefixes, typos, comments): upsertTicket never adds a ticket to a
  // search on its own, and the list re-asks the server instead.
  return true;
}

/** The server's order: the sort field (or the search rank), then id, both in the sort's direction. */
export function compareTickets(sort: TicketSort): (a: TicketDTO, b: TicketDTO) => number {
  if (sort === "relevance") {
    return (a, b) => {
      const ra = a.search?.rank ?? 0;
      const rb = b.search?.rank ?? 0;
      if (ra !== rb) return rb - ra;
      return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
    };
  }
  const key = sort.startsWith("updated") ? "updatedAt" : "createdAt";
  const dir = sort.endsWith("desc") ? -1 : 1;
  return (a, b) => {
    const ta = Date.parse(a[key]);
    const tb = Date.parse(b[key]);
    if (ta !== tb) return (ta - tb) * dir;
    return (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * dir;
  };
}

export type ListState = { items: TicketDTO[]; nextCursor: string | null };

/**
 * Apply a live ticket snapshot to a loaded list: update in place, insert, move
 * or drop it so the list still matches its filters and order. A ticket that
 * sorts past the last loaded row is left for "Load more" to bring.
 */
export function upsertTicket(
  state: ListState,
  ticket: TicketDTO,
  query: ListQuery,
  userId: string,
): ListState {
  const existing = state.items.find((t) => t.id === ticket.id);
  if (existing && existing.lastSeq > ticket.lastSeq) return state;
  // Snapshots inside events carry neither the last replier nor the reader's
  // unread state: keep what the row has.
  ticket = {
    ...ticket,
    lastReplier: ticket.lastReplier !== undefined ? ticket.lastReplier : (existing?.lastReplier ?? null),
    unread: ticket.unread ?? existing?.unread ?? false,
    // A snapshot recorded before tags existed says nothing about them.
    ...(ticket.tags === undefined && existing?.tags !== undefined ? { tags: existing.tags } : {}),
    ...(existing?.search && !ticket.search ? { search: existing.search } : {}),
  };
  // Search results: only the server knows whether a ticket matches (and how
  // well). A row shown is updated in place, a new one waits for the re-fetch.
  if (query.q && !existing) return state;
  const others = state.items.filter((t) => t.id !== ticket.id);
  if (!matchesQuery(ticket, query, userId)) return existing ? { ...state, items: others } : state;
  const compare = compareTickets(query.sort);
  const last = others.at(-1);
  if (state.nextCursor && last && compare(ticket, last) > 0) return { ...state, items: others };
  return { ...state, items: [...others, ticket].sort(compare) };
}

/** Append a fetched page, skipping tickets already shown (they may have moved live). */
export function appendPage(state: ListState, page: ListState): ListState {
  const seen = new Set(state.items.map((t) => t.id));
  return { items: [...state.items, ...page.items.filter((t) => !seen.has(t.id))], nextCursor: page.nextCursor };
}

/**
 * Merge a freshly fetched first page into what is shown (after a reconnect):
 * the fresh page is the truth for its range; rows loaded beyond it stay.
 */
export function mergeFirstPage(state: ListState, fresh: ListState, sort: TicketSort): ListState {
  // A live update that arrived while the page was in flight is newer than
  // the page's copy of that row: keep it.
  const shown = new Map(state.items.map((t) => [t.id, t]));
  const newest = (t: TicketDTO) => {
    const live = shown.get(t.id);
    return live && live.lastSeq > t.lastSeq ? live : t;
  };
  fresh = { ...fresh, items: fresh.items.map(newest).sort(compareTickets(sort)) };
  if (!fresh.nextCursor) return fresh;
  const compare = compareTickets(sort);
  const boundary = fresh.items.at(-1);
  const freshIds = new Set(fresh.items.map((t) => t.id));
  const beyond = boundary
    ? state.items.filter((t) => !freshIds.has(t.id) && compare(t, boundary) > 0)
    : [];
  return { items: [...fresh.items, ...beyond], nextCursor: beyond.length ? state.nextCursor : fresh.nextCursor };
}

/**
 * Apply again, after a fetched page was merged in (a re-read first page, or
 * "Load more"), the live snapshots that arrived while it was in flight. The
 * page may have been read before them: without this, a row a live change
 * brought into a filtered list (a tag added) vanished when the page came back
 * without it, and one a change took out (a tag removed, a status changed)
 * came back with the page's older copy. Each snapshot goes
 * through upsertTicket, which keeps a row whose copy is newer.
 */
export function replayLive(state: ListState, live: Iterable<TicketDTO>, query: ListQuery, userId: string): ListState {
  for (const ticket of live) state = upsertTicket(state, ticket, query, userId);
  return state;
}

/**
 * Apply a live comment to a loaded list (comment events reach lists too): a
 * public one moves the row to its new "updated" place and shows its author as
 * the last replier; any comment by someone else marks the row unread.
 * `seq` is the event's number in the reader's numbering, so a replayed or
 * older event changes nothing. Returns null when the ticket is not in the
 * list: the caller fetches it and upserts the snapshot.
 */
export function applyComment(
  state: ListState,
  event: { ticketId: string; seq: number; comment: { internal: boolean; createdAt: string; author: { id: string; name: string } } },
  query: ListQuery,
  userId: string,
): ListState | null {
  const existing = state.items.find((t) => t.id === event.ticketId);
  if (!existing) return null;
  if (existing.lastSeq >= event.seq) return state;
  const { comment } = event;
  const mine = comment.author.id === userId;
  const next: TicketDTO = {
    ...existing,
    lastSeq: event.seq,
    // Someone else's reply is news; the user's own is not, and does not make
    // what they had not read yet read (src/server/policy.ts, isUnreadFor).
    unread: mine ? existing.unread : true,
    ...(comment.internal ? {} : { updatedAt: comment.createdAt, lastReplier: { id: comment.author.id, name: comment.author.name } }),
  };
  return upsertTicket(state, next, query, userId);
}

/** The user read a ticket up to `seq` (in another tab, or here): its row is no longer unread. */
export function applyRead(state: ListState, read: { ticketId: string; seq: number }): ListState {
  const row = state.items.find((t) => t.id === read.ticketId);
  if (!row?.unread || read.seq < row.lastSeq) return state;
  return { ...state, items: state.items.map((t) => (t === row ? { ...t, unread: false } : t)) };
}
