"use client";

import { useSyncExternalStore } from "react";

const noSubscribe = () => () => {};

/**
 * False in the server's HTML and while React hydrates it, true from the
 * render right after: the page can act on what the user does. Controls whose
 * effect is JavaScript (a submit handled by fetch, a select that saves at
 * once) are disabled until then. Before hydration the browser would act on
 * its own: submit the form natively, or show a choice React then reverts.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );
}
