"use client";

import type { PresenceViewer } from "../../shared/realtime";
import { initialsOf, typingLineOf } from "../../client/presence";

/**
 * "People on this ticket": everyone else who has it open (from usePresence),
 * and who is writing. Shows only what the server sent, which is already cut
 * to this user's audience (requesters never get idle state or notes).
 */
export function PresencePanel({ viewers, userId }: { viewers: readonly PresenceViewer[]; userId: string }) {
  const others = viewers.filter((v) => v.userId !== userId);
  const typing = others.map(typingLineOf).filter((line): line is string => line !== null);
  return (
    <section className="card presence" aria-label="People on this ticket">
      <h2 className="presence__title">People on this ticket</h2>
      {others.length === 0 ? (
        <p className="muted">Only you</p>
      ) : (
        <ul className="presence__list">
          {others.map((v) => (
            <li key={v.userId} className={v.idle ? "presence__viewer presence__viewer--idle" : "presence__viewer"}>
              <span className="presence__avatar" aria-hidden="true">
                {initialsOf(v.name)}
              </span>{" "}
              {v.name}
              {v.idle && <span className="muted"> (idle)</span>}
            </li>
          ))}
        </ul>
      )}
      <p className="presence__typing" aria-live="polite">
        {typing.map((line) => (
          <span key={line} className="presence__typing-line">
            {line}
          </span>
        ))}
      </p>
    </section>
  );
}

/** "Viewing: Alice, Bob (idle)" for a ticket-list row, without the current user. */
export function ViewingNote({ viewers, userId }: { viewers: readonly PresenceViewer[] | undefined; userId: string }) {
  const others = (viewers ?? []).filter((v) => v.userId !== userId);
  if (others.length === 0) return null;
  return <span className="ticket-viewers">Viewing: {others.map((v) => (v.idle ? `${v.name} (idle)` : v.name)).join(", ")}</span>;
}
