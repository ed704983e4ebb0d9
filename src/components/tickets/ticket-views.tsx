"use client";

import { Link } from "../ui/link";
import { useEffect, useRef, useState } from "react";
import { apiFetch, errorMessage } from "../../client/api-client";
import { useOnConnect, useRealtimeMessage, useTicketEvents } from "../../client/realtime-provider";
import { serialLoader } from "../../client/serial-loader";
import { filterOf, sameFilter, type ViewDTO, type ViewFilter, viewHref } from "../../shared/views";
import { ClientForm, SubmitButton } from "../ui/client-form";

/** Batch the recounts that a burst of changes asks for (at most one per this long). */
const RECOUNT_DELAY_MS = 400;

/**
 * The views beside the list, each with a live count: recounted whenever a
 * ticket is created or changed anywhere (and after every reconnect), so a
 * queue's number moves while nobody reloads. The current filter can be saved
 * as a view of one's own; the user's other tabs follow (`views:changed`).
 */
export function TicketViews({
  views,
  setViews,
  current,
}: {
  /** The page's (TicketsOverview): its heading names the view shown, saved here or elsewhere. */
  views: ViewDTO[];
  setViews: React.Dispatch<React.SetStateAction<ViewDTO[]>>;
  current: ViewFilter;
}) {
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const nav = useRef<HTMLElement>(null);
  const saveButton = useRef<HTMLButtonElement>(null);
  /**
   * Where focus goes once the list shows a change this tab made: the
   * control pressed (Save in the naming form, a Remove) is gone by then, and
   * focus would fall to the top of the page. Only if it did fall.
   */
  const focusNext = useRef<{ saved: true } | { removedAt: number } | { cancelled: true } | null>(null);
  useEffect(() => {
    const next = focusNext.current;
    if (!next || !nav.current) return;
    if ("saved" in next && !views.some((v) => sameFilter(v.filter, current))) return; // not listed yet
    focusNext.current = null;
    if (document.activeElement && document.activeElement !== document.body) return;
    const links = nav.current.querySelectorAll<HTMLAnchorElement>(".views__link");
    const target =
      "saved" in next
        ? nav.current.querySelector<HTMLAnchorElement>('.views__link[aria-current="page"]')
        : "removedAt" in next
          ? (links[Math.min(next.removedAt, links.length - 1)] ?? saveButton.current)
          : saveButton.current;
    target?.focus();
  }, [views, naming, current]);

  const [loader] = useState(() =>
    serialLoader(
      () => apiFetch<{ items: ViewDTO[] }>("/api/views"),
      (r) => setViews(r.items),
      () => {},
    ),
  );
  // At most one recount per RECOUNT_DELAY_MS: one already due reads after
  // this change too. (Restarting the timer at every change never recounted
  // while changes came faster than that, as on a busy help desk.)
  function recount() {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      loader.run();
    }, RECOUNT_DELAY_MS);
  }
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  useTicketEvents((event) => {
    if (event.type === "ticket:created" || event.type === "ticket:updated") recount();
  });
  useOnConnect(recount);
  // A view saved or removed in another tab of this user.
  useRealtimeMessage("views:changed", recount);

  const active = views.find((v) => sameFilter(v.filter, current));
  const canSave = !active && Object.keys(filterOf(current)).length > 0;

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await apiFetch("/api/views", { method: "POST", json: { name, filter: filterOf(current) } });
      focusNext.current = { saved: true };
      setNaming(false);
      setName("");
      loader.run();
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  async function remove(view: ViewDTO) {
    setError(null);
    try {
      await apiFetch(`/api/views/${encodeURIComponent(view.id)}`, { method: "DELETE" });
      focusNext.current = { removedAt: views.findIndex((v) => v.id === view.id) };
      setViews((vs) => vs.filter((v) => v.id !== view.id));
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  if (views.length === 0 && !canSave) return null;
  return (
    <nav ref={nav} className="views" aria-label="Views">
      <ul className="views__list">
        {views.map((v) => (
          <li key={v.id} className="views__item">
            <Link href={viewHref(v.filter)} aria-current={v === active ? "page" : undefined} className="views__link">
              {v.name} <span className="views__count">{v.more ? `${v.count}+` : v.count}</span>
            </Link>
            {v.saved && (
              <button type="button" className="button button--link views__remove" onClick={() => void remove(v)}>
                Remove<span className="visually-hidden"> view {v.name}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {canSave &&
        (naming ? (
          <ClientForm className="views__save" onSubmit={save}>
            <label htmlFor="view-name">View name</label>
            <input id="view-name" value={name} maxLength={60} onChange={(e) => setName(e.target.value)} autoFocus />
            <SubmitButton className="button">
              Save
            </SubmitButton>
            <button
              type="button"
              className="button button--ghost"
              onClick={() => {
                focusNext.current = { cancelled: true };
                setNaming(false);
              }}
            >
              Cancel
            </button>
          </ClientForm>
        ) : (
          <button ref={saveButton} type="button" className="button button--ghost" onClick={() => setNaming(true)}>
            Save this view
          </button>
        ))}
      {error && (
        <p role="alert" className="alert alert--error">
          {error}
        </p>
      )}
    </nav>
  );
}
