"use client";

import { Fragment, useMemo } from "react";
import type { StaffRef } from "../../shared/dto";
import { splitMentions } from "../../shared/mentions";

/**
 * A comment body with its @mentions of staff as chips
 * (`<span class="mention" title="Sam Agent">@agent</span>`), split by the
 * same parser the server notifies with (src/shared/mentions.ts). An @word
 * that names nobody on `staff` stays plain text, and so does everything
 * for a viewer without the staff list (requesters get an empty one).
 * Renders inline: the caller keeps its own container and white-space rules.
 */
export function MentionText({ body, staff }: { body: string; staff: readonly StaffRef[] }) {
  const names = useMemo(() => {
    const byHandle = new Map<string, string[]>();
    for (const s of staff) byHandle.set(s.handle, [...(byHandle.get(s.handle) ?? []), s.name]);
    return byHandle;
  }, [staff]);
  return (
    <>
      {splitMentions(body).map((segment, i) => {
        const who = segment.kind === "mention" ? names.get(segment.handle) : undefined;
        return who ? (
          <span key={i} className="mention" title={who.join(", ")}>
            {segment.text}
          </span>
        ) : (
          <Fragment key={i}>{segment.text}</Fragment>
        );
      })}
    </>
  );
}
