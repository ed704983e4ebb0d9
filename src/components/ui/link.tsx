"use client";

import NextLink from "next/link";
import { type ComponentProps, useState } from "react";

type Props = Omit<ComponentProps<typeof NextLink>, "prefetch">;

/**
 * Every in-app link: Next's `<Link>` (client-side navigation), prefetching
 * when someone shows they mean to follow it (the pointer over it, keyboard
 * focus, a touch) instead of when it scrolls into view.
 *
 * Next prefetches each `<Link>` in the viewport by default. Every Tandem page
 * is rendered per request for its user, so each of those prefetches is a
 * server render: one view of a 25-ticket list made about 45 requests and
 * took about 1 CPU-second of server time against about 50 ms for the page
 * itself, and again whenever a live change re-rendered the rows. Most were
 * thrown away unused, and what a live helpdesk prefetched was stale by the
 * time anyone clicked. Prefetching on intent is the pattern Next's
 * prefetching guide gives for this ("Hover-triggered prefetch"); eslint.config.mjs
 * keeps `next/link` out of the rest of the app so no link prefetches on sight.
 */
export function Link({ onMouseEnter, onFocus, onTouchStart, ...props }: Props) {
  const [intent, setIntent] = useState(false);
  return (
    <NextLink
      {...props}
      // null is Next's default ("auto"): once shown intent, the link prefetches as any other would.
      prefetch={intent ? null : false}
      onMouseEnter={(e) => {
        setIntent(true);
        onMouseEnter?.(e);
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
