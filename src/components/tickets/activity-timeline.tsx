"use client";

import { useEffect, useRef, useState } from "react";
import type { AnyTicketEvent } from "../../shared/realtime";
import { describeEvent } from "../lib/format";
import { TimeAgo } from "../ui/time-ago";

const COLLAPSED = 15;

/** What happened to the ticket, oldest first; long histories start collapsed to the newest entries. */
export function ActivityTimeline({ events }: { events: AnyTicketEvent[] }) {
  const [expanded, setExpanded] = useState(false);
  const listRef = useRef<HTMLOListElement>(null);
  // The button disappears once clicked: move focus to the list it revealed
  // instead of letting it fall back to the page.
  useEffect(() => {
    if (expanded) listRef.current?.focus();
  }, [expanded]);
  if (events.length === 0) return <p className="muted empty">No activity yet.</p>;
  const hidden = expanded ? 0 : Math.max(0, events.length - COLLAPSED);
  const shown = events.slice(hidden);
  return (
    <>
      {hidden > 0 && (
        <button type="button" className="button button--link" onClick={() => setExpanded(true)}>
          Show {hidden} earlier {hidden === 1 ? "event" : "events"}
        </button>
      )}
      <ol className="timeline" ref={listRef} tabIndex={-1} aria-label="Activity">
        {shown.map((event) => (
          <li key={event.seq} className="timeline__item" data-type={event.type}>
            {describeEvent(event).map((line) => (
              <span key={line} className="timeline__text">
                {line}
              </span>
            ))}
            <span className="muted small">
              <TimeAgo iso={event.at} />
            </span>
          </li>
        ))}
      </ol>
    </>
  );
}
