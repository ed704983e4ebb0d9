"use client";

import { useState } from "react";
import type { Page, TicketDTO, UserRef } from "../../shared/dto";
import { filterOf, sameFilter, type ViewDTO } from "../../shared/views";
import type { ListQuery } from "../../client/list-query";
import { Link } from "../ui/link";
import { TicketBrowser } from "./ticket-browser";
import { TicketViews } from "./ticket-views";

/**
 * The ticket list page below the header: its heading, the views and the
 * list, sharing one query. The search box searches without a server render
 * (TicketBrowser), so the heading and the views follow the query it reports:
 * a view saved then carries the search, and the heading says "Filtered".
 * A new server render (a link to /tickets, Clear, a view, Apply) starts all
 * three over from its query, even when its URL is the one the page first had.
 */
export function TicketsOverview({
  initialQuery,
  initialPage,
  views: initialViews,
  staff,
  seeAllTickets,
  userId,
  pageSize,
}: {
  initialQuery: ListQuery;
  initialPage: Page<TicketDTO>;
  views: ViewDTO[];
  staff: UserRef[] | null;
  seeAllTickets: boolean;
  userId: string;
  pageSize: number;
}) {
  const [query, setQuery] = useState(initialQuery);
  const [views, setViews] = useState(initialViews);
  // Each server render brings a new page object: that is what tells them apart.
  const [render, setRender] = useState({ page: initialPage, generation: 0 });
  let generation = render.generation;
  if (render.page !== initialPage) {
    generation += 1;
    setRender({ page: initialPage, generation });
    setQuery(initialQuery);
    setViews(initialViews);
  }
  const view = views.find((v) => sameFilter(v.filter, query));
  const heading = view?.name ?? (Object.keys(filterOf(query)).length ? "Filtered tickets" : seeAllTickets ? "All tickets" : "My tickets");
  return (
    <>
      <div className="page-head">
        <h1>{heading}</h1>
        <Link href="/tickets/new" className="button button--primary">
          New ticket
        </Link>
      </div>
      <TicketViews key={`views:${generation}`} views={views} setViews={setViews} current={filterOf(query)} />
      <TicketBrowser key={`list:${generation}`} initialQuery={initialQuery} initialPage={initialPage} staff={staff} userId={userId} pageSize={pageSize} onQueryChange={setQuery} />
    </>
  );
}
