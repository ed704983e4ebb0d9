/**
 * A fixed-window counter per socket: at most `limit` client events per
 * `windowMs`. Cheap enough to run on every packet.
 */
export function createRateLimiter(limit: number, windowMs: number, now: () => number = Date.now) {
  let windowStart = now();
  let count = 0;
  return function allow(): boolean {
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t;
      count = 0;
    }
    count += 1;
    return count <= limit;
  };
}
