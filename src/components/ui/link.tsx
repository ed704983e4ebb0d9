"use client";

import NextLink from "next/link";
import { type ComponentProps, useEffect, useRef, useState } from "react";

type Props = Omit<ComponentProps<typeof NextLink>, "prefetch">;

/**
 * How long the pointer rests on a link before it counts as intent: a pointer
 * sweeping across the ticket list on its way elsewhere prefetches nothing.
 */
const HOVER_INTENT_MS = 80;

/**
 * Every in-app link: Next's `<Link>` (client-side navigation), prefetching
 * when someone shows they mean to follow it (the pointer resting on it,
 * keyboard focus, a touch) instead of when it scrolls into view.
 *
 * Next prefetches each `<Link>` in the viewport by default. Every Tandem page
 * is rendered per request for its user, so each of those prefetches is a
 * server render: one view of a 25-ticket list made about 45 requests and
 * took about 1 CPU-second of server time against about 50 ms for the page
 * itself, and again whenever the list re-read its first page. Most were
 * thrown away unused, and what a live helpdesk prefetched was stale by the
 * time anyone clicked (bench/findings.md, fifteenth round). Prefetching on
 * intent is the pattern Next's prefetching guide gives for this
 * ("Hover-triggered prefetch"); eslint.config.mjs keeps `next/link` out of
 * the rest of the app so no link prefetches on sight.
 */
export function Link({ onMouseEnter, onMouseLeave, onFocus, onTouchStart, ...props }: Props) {
  const [intent, setIntent] = useState(false);
  const resting = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(resting.current), []);
  return (
    <NextLink
      {...props}
      // null is Next's default ("auto"): once shown intent, the link prefetches as any other would.
      prefetch={intent ? null : false}
      onMouseEnter={(e) => {
        clearTimeout(resting.current);
        resting.current = setTimeout(() => setIntent(true), HOVER_INTENT_MS);
        onMouseEnter?.(e);
      }}
      onMouseLeave={(e) => {
        clearTimeout(resting.current);
        onMouseLeave?.(e);
      }}
      onFocus={(e) => {
        setIntent(true);
        onFocus?.(e);
      }}
      onTouchStart={(e) => {
        setIntent(true);
        onTouchStart?.(e);
      }}
    />
  );
}
