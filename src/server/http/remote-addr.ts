/**
 * The request header through which server.ts tells route handlers the TCP
 * peer's address (`req.socket.remoteAddress`). server.ts overwrites any value
 * a client sent, so it can be trusted, unlike X-Forwarded-For. Behind a proxy
 * on this host the peer is the proxy (127.0.0.1). Free of `server-only`
 * because server.ts loads it outside Next.
 */
export const REMOTE_ADDR_HEADER = "x-tandem-remote-addr";

/**
 * Set by server.ts to "1" when the request arrived with a proxy's forwarding
 * headers (X-Forwarded-For, Forwarded, X-Real-IP), else removed. Route
 * handlers cannot look for X-Forwarded-For themselves: Next adds one to
 * every request.
 */
export const FORWARDED_HEADER = "x-tandem-forwarded";

/** Whether a request as it reached server.ts came through a proxy (or claims to). */
export function forwardedByProxy(headers: Record<string, string | string[] | undefined>): boolean {
  return ["x-forwarded-for", "forwarded", "x-real-ip"].some((h) => headers[h] !== undefined);
}

/** Whether `address` (as Node reports it) is this host's loopback interface. */
export function isLoopback(address: string | null | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  return a === "::1" || /^127\.\d+\.\d+\.\d+$/.test(a) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(a);
}

type HeaderGetter = { get(name: string): string | null };

/** Who is asking, for mayReadReadinessDetail (src/server/policy.ts). */
export function readinessAsker(headers: HeaderGetter): { fromLoopback: boolean; forwarded: boolean; bearer: string | undefined } {
  const auth = headers.get("authorization") ?? "";
  const bearer = /^Bearer +(\S+)\s*$/i.exec(auth)?.[1];
  return {
    fromLoopback: isLoopback(headers.get(REMOTE_ADDR_HEADER)),
    forwarded: headers.get(FORWARDED_HEADER) === "1",
    bearer,
  };
}
