"use client";

import type { PresenceViewer } from "../../shared/realtime";
import { initialsOf, othersNotListed, type PresenceGroup, typingLineOf } from "../../client/presence";

/** "and 1 other" / "and 12 others". */
const andOthers = (n: number) => `and ${n} ${n === 1 ? "other" : "others"}`;

/**
 * "People on this ticket": everyone else who has it open (from usePresence),
 * and who is writing. Shows only what the server sent, which is already cut
 * to this user's audience (requesters never get idle state or notes) and
 * capped (past PRESENCE_VIEWERS_SHOWN: "and N others"; anyone writing is
 * always listed).
 */
export function PresencePanel({ viewers, total, userId }: { viewers: readonly PresenceViewer[]; total: number; userId: string }) {
  const others = viewers.filter((v) => v.userId !== userId);
  const unlisted = othersNotListed({ viewers: [...viewers], total }, userId, true);
  const typing = others.map(typingLineOf).filter((line): line is string => line !== null);
  return (
    <section className="card presence" aria-label="People on this ticket">
      <h2 className="presence__title">People on this ticket</h2>
      {others.length === 0 && unlisted === 0 ? (
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
          {unlisted > 0 && <li className="presence__viewer presence__more muted">{andOthers(unlisted)}</li>}
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

/** "Viewing: Alice, Bob (idle) and 3 others" for a ticket-list row, without the current user. */
export function ViewingNote({ group, userId }: { group: PresenceGroup | undefined; userId: string }) {
  const others = (group?.viewers ?? []).filter((v) => v.userId !== userId);
  const unlisted = group ? othersNotListed(group, userId, false) : 0;
  if (others.length === 0 && unlisted === 0) return null;
  const names = others.map((v) => (v.idle ? `${v.name} (idle)` : v.name)).join(", ");
  return (
    <span className="ticket-viewers">
      Viewing: {names}
      {unlisted > 0 && `${names ? " " : ""}${andOthers(unlisted)}`}
    </span>
  );
}
