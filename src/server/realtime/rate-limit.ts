/** One fixed window of a rate limit: when it started and how many events it has seen. */
export type RateWindow = { start: number; count: number };

/**
 * Count one event in `window` (a fixed window of `windowMs`, restarted by the
 * first event after it ends): true while at most `limit` events fell in it.
 * Plain data, so a server keeps one small record per socket that sent
 * something instead of a closure per socket and limit.
 */
export function allowIn(window: RateWindow, limit: number, windowMs: number, t: number): boolean {
  if (t - window.start >= windowMs) {
    window.start = t;
    window.count = 0;
  }
  window.count += 1;
  return window.count <= limit;
}
