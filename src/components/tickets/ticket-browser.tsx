"use client";

import { useEffect, useRef, useState } from "react";
import type { Page, TicketDTO, UserRef } from "../../shared/dto";
import { apiFetch, errorMessage } from "../../client/api-client";
import { type ListQuery, toSearchParams, withSearch } from "../../client/list-query";
import { TicketFilters } from "./ticket-filters";
import { TicketList } from "./ticket-list";

/** Typing pauses this long before the list searches: a search per word, not per key. */
export const SEARCH_DEBOUNCE_MS = 250;

/**
 * The ticket list page's filters and list. The search box searches as you
 * type: after a pause the list fetches the results itself (the request of the
 * previous pause, if still running, is aborted so an older answer can never
 * replace a newer one) and the URL follows with history.replaceState, so
 * reload, Back and sharing show the same search without a server render per
 * keystroke. The list stays live while searching (TicketList).
 */
export function TicketBrowser({
  initialQuery,
  initialPage,
  staff,
  userId,
  pageSize,
  onQueryChange,
}: {
  initialQuery: ListQuery;
  initialPage: Page<TicketDTO>;
  staff: UserRef[] | null;
  userId: string;
  pageSize: number;
  /** The query the list now shows, after a search typed here (the heading and views follow it). */
  onQueryChange?: (query: ListQuery) => void;
}) {
  const [view, setView] = useState({ query: initialQuery, page: initialPage });
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queryRef = useRef(initialQuery);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const inFlight = useRef<AbortController | null>(null);

  useEffect(
    () => () => {
      clearTimeout(timer.current);
      inFlight.current?.abort();
    },
    [],
  );

  function search(text: string) {
    const query = withSearch(queryRef.current, text);
    if ((query.q ?? "") === (queryRef.current.q ?? "")) return;
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    queryRef.current = query;
    setSearching(true);
    apiFetch<Page<TicketDTO>>(`/api/tickets?${toSearchParams(query, { limit: String(pageSize) })}`, { signal: controller.signal }).then(
      (page) => {
        if (controller.signal.aborted) return;
        setView({ query, page });
        onQueryChange?.(query);
        setError(null);
        setSearching(false);
        const params = toSearchParams(query).toString();
        window.history.replaceState(window.history.state, "", params ? `/tickets?${params}` : "/tickets");
      },
      (e: unknown) => {
        if (controller.signal.aborted) return;
        setSearching(false);
        setError(`Search failed: ${errorMessage(e)}`);
      },
    );
  }

  function onSearchInput(text: string) {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => search(text), SEARCH_DEBOUNCE_MS);
  }

  return (
    <>
      <TicketFilters query={view.query} staff={staff} onSearchInput={onSearchInput} searching={searching} />
      {error && (
        <p role="alert" className="alert alert--error">
          {error}
        </p>
      )}
      <TicketList key={`list:${toSearchParams(view.query)}`} initialPage={view.page} query={view.query} userId={userId} pageSize={pageSize} staff={staff} />
    </>
  );
}
