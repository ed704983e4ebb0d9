"use client";

import Form from "next/form";
import { useState } from "react";
import { Link } from "../ui/link";
import type { UserRef } from "../../shared/dto";
import { PRIORITY_LABELS, STATUS_LABELS, TICKET_PRIORITIES, TICKET_STATUSES } from "../../shared/enums";
import type { ListQuery, TicketSort } from "../../client/list-query";
import { EnumOptions } from "../ui/enum-options";
import { TagFilterInput } from "./tag-filter-input";

const SORT_LABELS: Record<TicketSort, string> = {
  relevance: "Best match",
  updated_desc: "Recently updated",
  updated_asc: "Least recently updated",
  created_desc: "Newest first",
  created_asc: "Oldest first",
};

/**
 * Filters as a plain GET form: the URL is the state, so filtered views can be
 * bookmarked and shared, and the form works before JavaScript loads. With
 * JavaScript the search box also searches as you type (`onSearchInput`, see
 * TicketBrowser); Apply still submits everything.
 */
export function TicketFilters({
  query,
  staff,
  onSearchInput,
  searching = false,
}: {
  query: ListQuery;
  staff: UserRef[] | null;
  onSearchInput?: (q: string) => void;
  searching?: boolean;
}) {
  const filtered = Boolean(query.status || query.priority || query.assignee || query.q || query.state || query.tag);
  const narrowed = [query.status, query.priority, query.assignee, query.tag].filter(Boolean).length;
  // Phones show the search box and a Filters button; the other fields open
  // under it (always shown on wider screens, see .filters__more in globals.css).
  const [open, setOpen] = useState(narrowed > 0);
  return (
    <Form action="/tickets" className={open ? "filters filters--open" : "filters"} role="search" aria-label="Filter tickets">
      <div className="field field--grow">
        <label htmlFor="filter-q">Search</label>
        <input
          id="filter-q"
          name="q"
          type="search"
          data-shortcut="search"
          aria-keyshortcuts="/"
          defaultValue={query.q ?? ""}
          placeholder="Words, part of a word, a name, an email or #number"
          autoComplete="off"
          aria-busy={searching || undefined}
          onChange={onSearchInput ? (e) => onSearchInput(e.currentTarget.value) : undefined}
        />
      </div>
      <button type="button" className="button filters__toggle" aria-expanded={open} aria-controls="filter-more" onClick={() => setOpen((o) => !o)}>
        {narrowed ? `Filters (${narrowed})` : "Filters"}
      </button>
      <div id="filter-more" className="filters__more">
      <div className="field">
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" name="status" defaultValue={query.status ?? ""}>
          <option value="">Any status</option>
          <EnumOptions values={TICKET_STATUSES} labels={STATUS_LABELS} />
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-priority">Priority</label>
        <select id="filter-priority" name="priority" defaultValue={query.priority ?? ""}>
          <option value="">Any priority</option>
          <EnumOptions values={TICKET_PRIORITIES} labels={PRIORITY_LABELS} />
        </select>
      </div>
      {staff && (
        <div className="field">
          <label htmlFor="filter-assignee">Assignee</label>
          <select id="filter-assignee" name="assignee" defaultValue={query.assignee ?? ""}>
            <option value="">Anyone</option>
            <option value="me">Me</option>
            <option value="none">Unassigned</option>
            {staff.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {staff && (
        <div className="field">
          <label htmlFor="filter-tag">Tag</label>
          <TagFilterInput defaultValue={query.tag ?? ""} />
        </div>
      )}
      <div className="field">
        <label htmlFor="filter-sort">Sort</label>
        <select key={`${query.sort}:${Boolean(query.q)}`} id="filter-sort" name="sort" defaultValue={query.sort}>
          {/* "Best match" orders a search; without one it would mean "Recently updated". */}
          {Object.entries(SORT_LABELS).filter(([value]) => query.q || value !== "relevance").map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      </div>
      {/* A view's "open only" has no control of its own: kept while other filters change. */}
      {query.state && <input type="hidden" name="state" value={query.state} />}
      <div className="filters__actions">
        <button type="submit" className="button">
          Apply
        </button>
        {filtered && (
          <Link href={query.sort === "updated_desc" || query.sort === "relevance" ? "/tickets" : `/tickets?sort=${query.sort}`} className="button button--ghost">
            Clear
          </Link>
        )}
      </div>
    </Form>
  );
}
