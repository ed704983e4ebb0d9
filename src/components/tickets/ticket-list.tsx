"use client";

import { Link } from "../ui/link";
import { useEffect, useEffectEvent, useRef, useState } from "react";
import type { Page, SearchField, TicketDTO, TicketSearchHit, UserRef } from "../../shared/dto";
import { apiFetch, errorMessage } from "../../client/api-client";
import { useOnConnect, useRealtimeClient, useRealtimeMessage, useTicketEvents } from "../../client/realtime-provider";
import { useTicketListPresence } from "../../client/presence";
import { ViewingNote } from "./presence-panel";
import { TimeAgo } from "../ui/time-ago";
import { BulkBar } from "./bulk-bar";
import { PriorityBadge, StatusBadge } from "./badges";
import {
  appendPage,
  applyComment,
  applyRead,
  type ListQuery,
  type ListState,
  mergeFirstPage,
  replayLive,
  toSearchParams,
  upsertTicket,
  matchesQuery,
} from "../../client/list-query";
import { useHydrated } from "../../hooks/use-hydrated";
import { filterOf } from "../../shared/views";

/**
 * The ticket table, live: tickets created or changed anywhere appear, move or
 * leave without a reload, following the current filters and sort. Mount it
 * with a key per query so a new filter starts from its own first page.
 */
export function TicketList({
  initialPage,
  query,
  userId,
  pageSize,
  staff = null,
}: {
  initialPage: Page<TicketDTO>;
  query: ListQuery;
  userId: string;
  pageSize: number;
  /** Staff who may be assigned; given to staff, whose rows can then be selected for bulk changes. */
  staff?: UserRef[] | null;
}) {
  const [list, setList] = useState<ListState>(initialPage);
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  // A box ticked before hydration would show but select nothing: the boxes wait for the page.
  const hydrated = useHydrated();
  const selectable = staff !== null;
  // The bar stays while the user has a selection, and after a bulk change
  // moved every selected row out of this list: its report stays readable.
  const [barOpen, setBarOpen] = useState(false);
  const select = (next: ReadonlySet<string>) => {
    setSelected(next);
    setBarOpen(next.size > 0);
  };
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    select(next);
  };
  // A row that leaves the list (a bulk change, or anyone's) leaves the
  // selection: one that came back later would otherwise be changed by the
  // next Apply without showing as ticked.
  const [prunedFor, setPrunedFor] = useState(list.items);
  if (prunedFor !== list.items) {
    setPrunedFor(list.items);
    const shown = new Set(list.items.map((t) => t.id));
    const kept = [...selected].filter((id) => shown.has(id));
    if (kept.length !== selected.size) setSelected(new Set(kept));
  }
  const [fresh, setFresh] = useState<ReadonlySet<string>>(() => new Set());
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const client = useRealtimeClient();
  const resyncRef = useRef(0);
  // One map per page read in flight (a re-read of the first page, or "Load
  // more"): the live snapshots that arrived meanwhile, applied again once the
  // page, which may predate them, is merged in (see replayLive).
  const liveRecorders = useRef(new Set<Map<string, TicketDTO>>());
  const recordLive = (ticket: TicketDTO) => {
    for (const live of liveRecorders.current) live.set(ticket.id, ticket);
  };
  // Before the presence below: the lists room is where the summaries arrive,
  // so it is joined before the first presence:list is asked (effects run in order).
  useEffect(() => client?.watchLists(), [client]);
  // Staff only (the server refuses requesters, who then see no note).
  const viewing = useTicketListPresence(list.items.map((t) => t.id));

  // A search's matches and ranks are the server's to decide: after live
  // changes it is asked again (once per burst), while rows shown update at once.
  const researchTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(researchTimer.current), []);
  const researchSoon = () => {
    if (!query.q) return;
    clearTimeout(researchTimer.current);
    researchTimer.current = setTimeout(resync, 1000);
  };

  useTicketEvents((event) => {
    researchSoon();
    if (event.type === "comment:added") {
      const { ticketId, seq } = event;
      const comment = event.data.comment;
      let missing = false;
      setList((current) => {
        const next = applyComment(current, { ticketId, seq, comment }, query, userId);
        missing = next === null;
        return next ?? current;
      });
      // A ticket not in the list (not loaded yet, or it sorted below): its
      // snapshot says whether it belongs now, and where (a search re-asks instead).
      if (missing && !comment.internal && !query.q) {
        apiFetch<TicketDTO>(`/api/tickets/${encodeURIComponent(ticketId)}?unread=1`).then(
          (fetched) => {
            const ticket = { ...fetched, lastReplier: { id: comment.author.id, name: comment.author.name }, unread: comment.author.id !== userId || fetched.unread };
            recordLive(ticket);
            setList((current) => upsertTicket(current, ticket, query, userId));
          },
          () => {},
        );
      }
      return;
    }
    if (event.type !== "ticket:created" && event.type !== "ticket:updated") return;
    const snapshot = event.data.ticket;
    if (event.type === "ticket:updated" && event.actor.id === userId && !query.q && !list.items.some((t) => t.id === snapshot.id) && matchesQuery(snapshot, query, userId)) {
      // A row that enters this list by the user's own change (a tag, a bulk
      // priority): whether others' activity before it is unread is the
      // server's to say, which the event does not carry.
      apiFetch<TicketDTO>(`/api/tickets/${encodeURIComponent(snapshot.id)}?unread=1`).then(
        (fetched) => {
          recordLive(fetched);
          setList((current) => upsertTicket(current, fetched, query, userId));
        },
        () => {},
      );
      return;
    }
    // Someone else's change is news. The user's own (a tag, a bulk priority)
    // leaves the row as unread as it was: it read nothing of what came before.
    const unread = event.actor.id !== userId ? true : undefined;
    const ticket = { ...event.data.ticket, unread };
    recordLive(ticket);
    setList((current) => upsertTicket(current, ticket, query, userId));
    if (event.type === "ticket:created") {
      setFresh((s) => new Set(s).add(ticket.id));
      if (event.actor.id !== userId) setAnnouncement(`New ticket #${ticket.number}: ${ticket.title}`);
    }
  });

  useRealtimeMessage("ticket:read", (read) => setList((current) => applyRead(current, read)));
  /**
   * Re-read the first page and merge it in: events sent while the socket was
   * down were never received, so after every (re)connect the list catches up.
   */
  function resync() {
    // Connect, online and visibility can each ask at once: only the newest answer counts.
    const request = ++resyncRef.current;
    const live = new Map<string, TicketDTO>();
    liveRecorders.current.add(live);
    apiFetch<Page<TicketDTO>>(`/api/tickets?${toSearchParams(query, { limit: String(pageSize) })}`).then(
      (page) => {
        liveRecorders.current.delete(live);
        if (request !== resyncRef.current) return;
        setList((current) => replayLive(mergeFirstPage(current, page, query.sort), live.values(), query, userId));
        setError(null);
      },
      (e: unknown) => {
        liveRecorders.current.delete(live);
        setError(`Could not refresh the list: ${errorMessage(e)}`);
      },
    );
  }

  useOnConnect(resync);
  // Coming back to this page (e.g. with Back) may show a cached render while
  // the socket stayed connected, so no connect follows: catch up once.
  const resyncIfConnected = useEffectEvent(() => {
    if (client?.connected) resync();
  });
  useEffect(() => resyncIfConnected(), []);

  async function loadMore() {
    if (!list.nextCursor || loadingMore) return;
    setLoadingMore(true);
    setError(null);
    const live = new Map<string, TicketDTO>();
    liveRecorders.current.add(live);
    try {
      const page = await apiFetch<Page<TicketDTO>>(
        `/api/tickets?${toSearchParams(query, { cursor: list.nextCursor, limit: String(pageSize) })}`,
      );
      setList((current) => replayLive(appendPage(current, page), live.values(), query, userId));
    } catch (e) {
      setError(`Could not load more tickets: ${errorMessage(e)}`);
    } finally {
      liveRecorders.current.delete(live);
      setLoadingMore(false);
    }
  }

  return (
    <>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      {selectable && barOpen && (
        <BulkBar
          selected={list.items.filter((t) => selected.has(t.id))}
          staff={staff}
          // The selection stays (and with it this report): another change may follow.
          onDone={() => {}}
        />
      )}
      {list.items.length === 0 ? (
        <div className="card empty-state">
          <p>{Object.keys(filterOf(query)).length > 0 ? "No tickets match these filters." : selectable ? "No tickets yet." : "You have no tickets yet."}</p>
          <p>
            <Link href="/tickets/new">Create a ticket</Link>
          </p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="ticket-table">
            <caption className="visually-hidden">Tickets</caption>
            <thead>
              <tr>
                <th scope="col">
                  {selectable && (
                    <input
                      type="checkbox"
                      aria-label="Select all"
                      disabled={!hydrated}
                      checked={list.items.length > 0 && list.items.every((t) => selected.has(t.id))}
                      onChange={(e) => select(e.target.checked ? new Set(list.items.map((t) => t.id)) : new Set())}
                    />
                  )}{" "}
                  #
                </th>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Priority</th>
                {/* A requester's list is theirs alone: a column of their own name says nothing. */}
                {selectable && <th scope="col">Requester</th>}
                <th scope="col">Assignee</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((t) => (
                <tr
                  key={t.id}
                  className={[fresh.has(t.id) ? "row--new" : "", t.unread ? "row--unread" : ""].join(" ").trim() || undefined}
                  data-ticket-id={t.id}
                  data-unread={t.unread ? "true" : undefined}
                >
                  <td data-label="#" className="cell-number">
                    {selectable && (
                      <input type="checkbox" aria-label={`Select #${t.number}`} disabled={!hydrated} checked={selected.has(t.id)} onChange={(e) => toggle(t.id, e.target.checked)} />
                    )}{" "}
                    #{t.number}
                  </td>
                  <td data-label="Title" className="cell-title">
                    <Link href={`/tickets/${t.id}`}>
                      {t.unread && (
                        <span className="unread-dot" aria-hidden="true">
                          ●{" "}
                        </span>
                      )}
                      {t.title}
                      {t.unread && <span className="badge badge--unread"> unread</span>}
                    </Link>
                    {t.tags && t.tags.length > 0 && (
                      <ul className="tag-list tag-list--row cell-tags" aria-label={`Tags of #${t.number}`}>
                        {t.tags.map((name) => (
                          <li key={name} className="ticket-tag">
                            {name}
                          </li>
                        ))}
                      </ul>
                    )}
                    {t.search && <SearchSnippet hit={t.search} />}
                    {t.lastReplier && <span className="muted small cell-replier"> Last reply: {t.lastReplier.name}</span>}
                    <ViewingNote group={viewing.get(t.id)} userId={userId} />
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={t.status} />
                  </td>
                  <td data-label="Priority">
                    <PriorityBadge priority={t.priority} />
                  </td>
                  {selectable && <td data-label="Requester">{t.requester.name}</td>}
                  <td data-label="Assignee">{t.assignee?.name ?? <span className="muted">Unassigned</span>}</td>
                  <td data-label="Updated">
                    <TimeAgo iso={t.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {error && (
        <p role="alert" className="alert alert--error">
          {error}
        </p>
      )}
      {list.nextCursor && (
        <div className="load-more">
          <button type="button" className="button" onClick={loadMore} aria-disabled={loadingMore || undefined}>
            {loadingMore ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </>
  );
}

const FIELD_LABELS: Record<SearchField, string> = {
  title: "Title",
  description: "Description",
  comment: "Comment",
  note: "Internal note",
  requester: "Requester",
  number: "Number",
  tag: "Tag",
};

/**
 * Where a search hit matched, with the matching words marked. The snippet
 * arrives as text segments and is rendered as text: nothing a ticket says can
 * become markup here.
 */
function SearchSnippet({ hit }: { hit: TicketSearchHit }) {
  if (!hit.snippet.length) return null;
  return (
    <span className="search-snippet small" data-search-field={hit.field}>
      <span className="muted">{FIELD_LABELS[hit.field]}: </span>
      {hit.snippet.map((segment, i) => (segment.hit ? <mark key={i}>{segment.text}</mark> : <span key={i}>{segment.text}</span>))}
    </span>
  );
}
