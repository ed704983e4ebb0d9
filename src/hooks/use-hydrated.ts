"use client";

import { type RefObject, useEffect, useEffectEvent, useSyncExternalStore } from "react";

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

/**
 * Text typed into a controlled field before React hydrated it stays on
 * screen, but React never reports it (facebook/react#12955; the fix,
 * #33129, sits behind a flag Next's React leaves off), so the state keeps
 * the server's value and a submit sends that instead. Once hydrated, hand
 * what the field shows to `onChange`.
 */
export function useTypedBeforeHydration(ref: RefObject<HTMLInputElement | HTMLTextAreaElement | null>, value: string, onChange: (typed: string) => void): void {
  const adopt = useEffectEvent(() => {
    const typed = ref.current?.value;
    if (typed !== undefined && typed !== value) onChange(typed);
  });
  useEffect(() => adopt(), []);
}
