/**
 * The address of the client behind a request or a Socket.IO handshake: the
 * socket's peer, or, when that peer is one of TRUSTED_PROXIES (the shipped
 * nginx/HAProxy on loopback by default), the nearest untrusted hop of
 * X-Forwarded-For. A client can put anything in X-Forwarded-For, so it is read
 * only from proxies we run, and right to left (each proxy appends the address
 * it saw). Free of `server-only`: the realtime server and route handlers share it.
 */
import { BlockList, isIP } from "node:net";
import { env } from "../env";
import { REMOTE_ADDR_HEADER } from "./remote-addr";

/**
 * The header server.ts sets on every request to the socket's peer address,
 * overwriting whatever a client sent, so route handlers (which see only a
 * Web Request) can learn it.
 */
export { REMOTE_ADDR_HEADER };

/** Strip the IPv4-mapped IPv6 prefix so `::ffff:1.2.3.4` and `1.2.3.4` are one client. */
function normalize(address: string): string {
  const a = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return mapped ? mapped[1]! : a;
}

/** Parse a comma-separated list of IPs and CIDRs into a BlockList; invalid entries throw. */
export function parseTrustedProxies(spec: string): BlockList {
  const list = new BlockList();
  for (const raw of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [ip, bits, ...rest] = raw.split("/");
    const family = isIP(ip ?? "");
    // The prefix length in digits, within the family's: Number("") is 0, so
    // "10.0.0.0/" was read as /0 and trusted every address to say whom it
    // forwards for (a spoofed X-Forwarded-For past every per-address limit).
    const prefix = bits === undefined ? undefined : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!family || rest.length > 0 || (prefix !== undefined && !(prefix <= (family === 6 ? 128 : 32)))) {
      throw new Error(`TRUSTED_PROXIES: "${raw}" is not an IP address or CIDR`);
    }
    const type = family === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(ip!, type);
    else list.addSubnet(ip!, prefix, type);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? "ipv6" : "ipv4");
}

/**
 * The client address given the direct peer and the X-Forwarded-For header(s).
 * Walks X-Forwarded-For from the right while the hop in hand is trusted; the
 * first untrusted hop is the client. Garbage in X-Forwarded-For from a trusted
 * proxy ends the walk at the last good hop.
 */
export function resolveClientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | null | undefined,
  trusted: BlockList,
): string {
  let current = normalize(peer ?? "");
  if (!current) return "unknown";
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map(normalize)
    .filter(Boolean);
  while (isTrusted(trusted, current) && hops.length > 0) {
    const next = hops.pop()!;
    if (!isIP(next)) break;
    current = next;
  }
  return current;
}

let cache: { spec: string; list: BlockList } | undefined;
function trustedProxies(): BlockList {
  const spec = env().TRUSTED_PROXIES;
  if (cache?.spec !== spec) cache = { spec, list: parseTrustedProxies(spec) };
  return cache.list;
}

/** The client address of a route handler's request (peer from the header server.ts sets). */
export function clientAddressOf(headers: Headers): string {
  return resolveClientAddress(headers.get(REMOTE_ADDR_HEADER) ?? undefined, headers.get("x-forwarded-for"), trustedProxies());
}

/** The client address of a Node request (the Socket.IO handshake). */
export function clientAddressOfNode(req: { socket: { remoteAddress?: string }; headers: Record<string, string | string[] | undefined> }): string {
  return resolveClientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], trustedProxies());
}
