"use client";

import { useEffect, useRef } from "react";

/**
 * After "Show more": focus moves on to the first item just listed, once it
 * is on the page (the button may be gone then, and focus with it, to the
 * page's start). `count` is how many items are shown; `focus(i)` focuses
 * the i-th. Returns what the button calls, with the count before it asked.
 */
export function useFocusAfterMore(count: number, focus: (index: number) => void): (shown: number) => void {
  const from = useRef<number | null>(null);
  useEffect(() => {
    const start = from.current;
    if (start === null || count <= start) return;
    from.current = null;
    focus(start);
    // Only a new count matters; `focus` is a fresh closure each render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [count]);
  return (shown) => {
    from.current = shown;
  };
}
