"use client";

import { useEffect, useRef } from "react";
import { apiFetch } from "../client/api-client";

/** Batch read marks while events stream in. */
const MARK_DELAY_MS = 400;

/**
 * While the ticket page is visible, everything on it has been seen: mark the
 * ticket read up to `seq` (on opening it, when new events arrive, and when a
 * hidden tab is shown again). A hidden tab marks nothing, so its rows stay
 * unread in the user's lists until they look.
 */
export function useMarkRead(ticketId: string, seq: number): void {
  const sent = useRef(-1);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const mark = () => {
      if (document.visibilityState !== "visible" || seq <= sent.current) return;
      const upTo = seq;
      apiFetch(`/api/tickets/${encodeURIComponent(ticketId)}/read`, { method: "POST", json: { seq: upTo } }).then(
        () => {
          sent.current = Math.max(sent.current, upTo);
        },
        () => {},
      );
    };
    const schedule = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(mark, sent.current < 0 ? 0 : MARK_DELAY_MS);
    };
    schedule();
    const onVisible = () => {
      if (document.visibilityState === "visible") schedule();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      if (timer) clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [ticketId, seq]);
}
