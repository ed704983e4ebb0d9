/**
 * A list read again whenever something may have changed it (a live message, a
 * reconnect), one request at a time: a run asked for while one is in flight
 * runs once more after it, so a burst of changes costs at most two reads and
 * the last answer delivered always comes from a read that started after the
 * last change. (Answers of overlapping requests could otherwise arrive out of
 * order, and an older list overwrite a newer one.)
 */
export function serialLoader<T>(load: () => Promise<T>, loaded: (value: T) => void, failed: (error: unknown) => void) {
  let inFlight = false;
  let again = false;
  const run = (): void => {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    load()
      // Delivered even when a change came in meanwhile (the next read follows
      // at once): a stream of changes faster than a read must not starve the list.
      .then(loaded, (e: unknown) => {
        // A failure that a read already under way may mend is not reported yet.
        if (!again) failed(e);
      })
      .finally(() => {
        inFlight = false;
        if (!again) return;
        again = false;
        run();
      });
  };
  return { run, busy: () => inFlight };
}
