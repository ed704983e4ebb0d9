"use client";

import { useNow } from "../../hooks/use-now";
import { formatRelative, formatUtc } from "../lib/format";

/** A <time> showing "5 min ago" in the browser (UTC on the server), full date on hover. */
export function TimeAgo({ iso }: { iso: string }) {
  const now = useNow();
  return (
    <time dateTime={iso} title={now === null ? formatUtc(iso) : new Date(iso).toLocaleString()}>
      {now === null ? formatUtc(iso) : formatRelative(iso, now)}
    </time>
  );
}
