"use client";

import { Link } from "../ui/link";
import { useCallback, useEffect, useId, useReducer, useRef, useState, useSyncExternalStore } from "react";
import { apiFetch, errorMessage } from "../../client/api-client";
import { INITIAL_NOTIFICATIONS, notificationReducer, titleWithCount } from "../../client/notification-state";
import { useNotificationMessages, useOnConnect } from "../../client/realtime-provider";
import type { NotificationDTO } from "../../shared/dto";
import { NOTIFICATION_VERBS } from "../../shared/notifications";
import { TimeAgo } from "../ui/time-ago";
import { useFocusAfterMore } from "../../hooks/use-focus-after-more";

/** The panel's first page, and each "Show more" step, up to the API's 100. */
const LIST_LIMIT = 20;
const LIST_MAX = 100;

const ticketHref = (n: NotificationDTO) => `/tickets/${n.ticket.id}`;
const describe = (n: NotificationDTO) => `${n.actor.name} ${NOTIFICATION_VERBS[n.kind]} #${n.ticket.number}`;

/**
 * The header's notification centre: a button with the unread count that
 * opens the list. Live through the user's room (`notification:new`, and
 * `notification:read` from any of the user's tabs); re-read after every
 * (re)connect, since neither message is replayed. Also puts the count in
 * the tab title and, when the user opted in and the tab is hidden, shows a
 * desktop notification.
 */
export function NotificationCenter() {
  const [state, dispatch] = useReducer(notificationReducer, INITIAL_NOTIFICATIONS);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [, permissionChanged] = useReducer((n: number) => n + 1, 0);
  const permission = useSyncExternalStore(noSubscribe, desktopPermission, unsupported);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  // How many the list shows: "Show more" reads a longer list (unread ones
  // past the first 20 could otherwise not be opened from the bell at all).
  const limit = useRef(LIST_LIMIT);
  const focusFrom = useFocusAfterMore(state.items.length, (i) => root.current?.querySelectorAll<HTMLElement>(".notifications__link")[i]?.focus());
  // What arrived live while the newest read of the list is in flight (see the "loaded" action).
  const inFlight = useRef<{ received: NotificationDTO[]; read: boolean } | null>(null);
  const load = useCallback(async (): Promise<void> => {
    // A read message carries the unread count as of that read, which may be
    // newer or older than the page's: after one arrived meanwhile, read again.
    for (;;) {
      const live = { received: [] as NotificationDTO[], read: false };
      inFlight.current = live;
      try {
        const { items, unread } = await apiFetch<{ items: NotificationDTO[]; unread: number }>(`/api/notifications?limit=${limit.current}`);
        // A newer read is on its way: its answer counts.
        if (inFlight.current !== live) return;
        inFlight.current = null;
        dispatch({ type: "loaded", items, unread, receivedSince: live.received });
        setError(null);
        if (!live.read) return;
      } catch (e) {
        if (inFlight.current === live) inFlight.current = null;
        setError(errorMessage(e));
        return;
      }
    }
  }, []);

  // Read at every (re)connect, the first included: messages sent while the
  // socket was down are gone. And when the panel opens, in case the socket
  // cannot connect at all.
  useOnConnect(() => void load());

  // How many notifications arrived live so far (see markRead).
  const receivedLive = useRef(0);
  useNotificationMessages((message) => {
    if (message.type === "notification:read") {
      if (inFlight.current) inFlight.current.read = true;
      dispatch({ type: "read", read: message.read, at: new Date().toISOString() });
      // Its count is as of that read on the server: a notification that
      // reached this tab just before this message (made after the read) has
      // just been dropped from the count, and the list's read puts it back.
      void load();
      return;
    }
    receivedLive.current++;
    inFlight.current?.received.push(message.notification);
    dispatch({ type: "received", notification: message.notification });
    showDesktopNotification(message.notification);
  });

  useTitleCount(state.unread);

  // Close on Escape (focus back to the button) and on a click elsewhere.
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (e: PointerEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  async function markRead(body: { ids: string[] } | { all: true; upTo?: string }) {
    const receivedBefore = receivedLive.current;
    try {
      const { unread } = await apiFetch<{ unread: number }>("/api/notifications/read", { method: "POST", json: body });
      // The room message does the same for the user's other tabs (and this one, harmlessly).
      const upTo = "all" in body ? state.items.find((n) => n.id === body.upTo)?.createdAt : undefined;
      dispatch({ type: "read", read: { ids: "all" in body ? "all" : body.ids, unread, ...(upTo ? { upTo } : {}) }, at: new Date().toISOString() });
      // The answer's count is as of the read: one that arrived while it was on its way is not in it.
      if (receivedLive.current !== receivedBefore) void load();
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  async function enableDesktop() {
    if (typeof Notification === "undefined") return;
    await Notification.requestPermission();
    permissionChanged();
  }

  const { items, unread } = state;
  return (
    <div
      className="notifications"
      ref={root}
      // Tabbing on past the panel closes it, as a click elsewhere does; it
      // would otherwise stay open over the controls focus moved to. (Focus
      // leaving the window has no relatedTarget and keeps it open.)
      onBlur={(e) => {
        if (open && e.relatedTarget instanceof Node && !e.currentTarget.contains(e.relatedTarget)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        className="notifications__button"
        aria-label={`Notifications, ${unread} unread`}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => {
          if (!open) void load();
          setOpen(!open);
        }}
      >
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.73 21a2 2 0 0 1-3.46 0" />
        </svg>
        {unread > 0 && (
          <span className="notifications__badge" aria-hidden="true">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>
      <div id={panelId} className="notifications__panel" role="region" aria-label="Notifications" hidden={!open}>
        <div className="notifications__head">
          <h2 className="notifications__title">Notifications</h2>
          <button type="button" className="button button--link" disabled={unread === 0} onClick={() => void markRead(state.items[0] ? { all: true, upTo: state.items[0].id } : { all: true })}>
            Mark all as read
          </button>
        </div>
        {error && (
          <p role="alert" className="field__error">
            {error}
          </p>
        )}
        {state.loaded && items.length === 0 && <p className="muted notifications__empty">No notifications yet.</p>}
        <ul className="notifications__list">
          {items.map((n) => (
            <li key={n.id} className="notifications__item" data-unread={n.readAt === null ? "true" : undefined}>
              <Link
                href={ticketHref(n)}
                className="notifications__link"
                onClick={() => {
                  setOpen(false);
                  if (n.readAt === null) void markRead({ ids: [n.id] });
                }}
              >
                <span className="notifications__what">{describe(n)}</span>{" "}
                <span className="notifications__ticket">{n.ticket.title}</span>
              </Link>
              <span className="notifications__meta">
                <TimeAgo iso={n.createdAt} />
                {n.readAt === null && (
                  <button type="button" className="button button--link" onClick={() => void markRead({ ids: [n.id] })}>
                    Mark as read
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
        {items.length >= limit.current && limit.current < LIST_MAX && (
          <button
            type="button"
            className="button button--ghost notifications__more"
            onClick={() => {
              focusFrom(items.length);
              limit.current = Math.min(LIST_MAX, limit.current + LIST_LIMIT);
              void load();
            }}
          >
            Show more
          </button>
        )}
        {permission === "default" && (
          <button type="button" className="button button--ghost notifications__desktop" onClick={() => void enableDesktop()}>
            Enable desktop notifications
          </button>
        )}
      </div>
    </div>
  );
}

const noSubscribe = () => () => {};
const desktopPermission = (): NotificationPermission | "unsupported" =>
  typeof Notification === "undefined" ? "unsupported" : Notification.permission;
/** The server cannot know; the offer appears once hydrated. */
const unsupported = () => "unsupported" as const;

/** Only for a hidden tab (a visible one shows the badge) and only once the user granted permission. */
function showDesktopNotification(n: NotificationDTO) {
  if (typeof Notification === "undefined" || Notification.permission !== "granted" || !document.hidden) return;
  // The same tag from several hidden tabs of this user replaces, not stacks.
  const shown = new Notification(describe(n), { body: n.ticket.title, tag: `tandem-notification-${n.id}` });
  shown.onclick = () => {
    window.focus();
    window.location.assign(ticketHref(n));
    shown.close();
  };
}

/**
 * Keep "(n) " in front of the tab title. Next replaces the <title> on every
 * navigation, so the prefix is applied again whenever the head changes.
 */
function useTitleCount(unread: number) {
  useEffect(() => {
    const apply = () => {
      const want = titleWithCount(document.title, unread);
      if (document.title !== want) document.title = want;
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(document.head, { subtree: true, childList: true, characterData: true });
    return () => observer.disconnect();
  }, [unread]);
}
