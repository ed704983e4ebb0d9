import "server-only";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { Socket } from "socket.io";
import type { Env } from "../env";
import { parseTrustedProxies, resolveClientAddress } from "../http/client-address";

/** The connect_error message of a handshake refused for too many sockets (not "unauthorized"). */
export const TOO_MANY_SOCKETS = "too_many_sockets";

type Next = (err?: Error) => void;
type AnySocket = Socket;

/** Live counts per key with at most `max` each. */
function counter(max: number) {
  const counts = new Map<string, number>();
  return {
    /** Count one more for `key`; false (and nothing counted) at `max`. */
    reserve(key: string): boolean {
      const n = counts.get(key) ?? 0;
      if (n >= max) return false;
      counts.set(key, n + 1);
      return true;
    },
    release(key: string) {
      const left = (counts.get(key) ?? 1) - 1;
      if (left <= 0) counts.delete(key);
      else counts.set(key, left);
    },
  };
}

function refused(scope: "user" | "address", max: number): Error {
  const err = new Error(TOO_MANY_SOCKETS) as Error & { data?: unknown };
  err.data = {
    code: "TOO_MANY_SOCKETS",
    message: `Too many open connections for this ${scope} (at most ${max}). Close some tabs and try again.`,
  };
  return err;
}

/** What one socket counts against the caps, until it is gone (released together, once). */
type Hold = { address: string | undefined; user: string | undefined };

/**
 * Abuse limits for Socket.IO, all kept per process (in this process's memory):
 * what they protect is this process's event loop and memory, and the proxy's
 * sticky routing keeps one client's sockets on one process. With N processes a
 * user may hold up to N × SOCKET_MAX_PER_USER sockets in total, each process
 * still bounded. Limits:
 * - SOCKET_MAX_PER_ADDRESS concurrent sockets per client address (checked
 *   before authentication, so an anonymous flood never reaches the database),
 * - SOCKET_MAX_PER_USER concurrent sockets per user,
 * - SOCKET_USER_EVENT_LIMIT client events per user per 10 s, shared by all of
 *   that user's sockets (the per-socket SOCKET_RATE_LIMIT still applies too);
 *   a user sending twice that in a window loses the sockets that keep sending,
 * - SOCKET_MAX_ROOMS ticket rooms per socket.
 * Handshakes refused for a cap fail with TOO_MANY_SOCKETS, which a client can
 * tell from "unauthorized" (and may retry later; the cap is not final).
 */
export function createSocketLimits(env: Env) {
  const trusted = parseTrustedProxies(env.TRUSTED_PROXIES);
  const perAddress = counter(env.SOCKET_MAX_PER_ADDRESS);
  const perUser = counter(env.SOCKET_MAX_PER_USER);
  const budget = new RateLimiterMemory({ keyPrefix: "socket-events", points: env.SOCKET_USER_EVENT_LIMIT, duration: 10 });
  // Refusals are answered (an ack says RATE_LIMITED) up to as many again as
  // the budget; a user still sending past that is flooding, and answering
  // each packet costs this process more than the packet cost to send (an
  // ack is a write per packet), so the offending socket is disconnected.
  const refusals = new RateLimiterMemory({ keyPrefix: "socket-refusals", points: env.SOCKET_USER_EVENT_LIMIT, duration: 10 });
  const ticketRooms = new WeakMap<AnySocket, Set<string>>();
  const holds = new WeakMap<AnySocket, Hold>();

  function release(hold: Hold) {
    if (hold.address !== undefined) perAddress.release(hold.address);
    if (hold.user !== undefined) perUser.release(hold.user);
    hold.address = hold.user = undefined;
  }

  /**
   * What `socket` holds, released when it is gone: at disconnect, or when
   * the connection closes before the socket ever connected (a handshake that
   * failed later, or a client that left during it). One closure for both
   * caps, listened to with `on` (each `once` would cost a wrapper and its state).
   */
  function holdOf(socket: AnySocket): Hold {
    let hold = holds.get(socket);
    if (!hold) {
      const h: Hold = (hold = { address: undefined, user: undefined });
      holds.set(socket, h);
      const gone = () => release(h);
      socket.conn.on("close", gone);
      socket.on("disconnect", gone);
    }
    return hold;
  }

  return {
    /** Middleware before authentication: the per-address cap. */
    admitAddress(socket: AnySocket, next: Next) {
      // The handshake's peer as engine.io recorded it (a polling request's
      // socket may be gone by the time a later request reads it).
      const address = resolveClientAddress(socket.handshake.address, socket.request.headers["x-forwarded-for"], trusted);
      if (!perAddress.reserve(address)) return next(refused("address", env.SOCKET_MAX_PER_ADDRESS));
      holdOf(socket).address = address;
      next();
    },

    /** Middleware after authentication (socket.data.user is set): the per-user cap. */
    admitUser(socket: AnySocket, next: Next) {
      const userId = (socket.data as { user: { id: string } }).user.id;
      if (!perUser.reserve(userId)) return next(refused("user", env.SOCKET_MAX_PER_USER));
      holdOf(socket).user = userId;
      next();
    },

    /**
     * The user's shared event budget, for one packet of `socket`: `pass()`
     * when within it. Refused events get a RATE_LIMITED ack; past twice the
     * budget in a window the socket that keeps sending is disconnected (the
     * browser client reconnects).
     */
    spend(socket: AnySocket, ack: ((r: unknown) => void) | undefined, pass: () => void) {
      const userId = (socket.data as { user: { id: string } }).user.id;
      budget.consume(userId).then(
        () => pass(),
        () =>
          refusals.consume(userId).then(
            () => ack?.({ ok: false, error: { code: "RATE_LIMITED", message: "Too many requests" } }),
            () => socket.disconnect(true),
          ),
      );
    },

    /** Count `ticketId` as a room of `socket`; false when the socket is at SOCKET_MAX_ROOMS. */
    enterRoom(socket: AnySocket, ticketId: string): boolean {
      let joined = ticketRooms.get(socket);
      if (!joined) ticketRooms.set(socket, (joined = new Set()));
      if (joined.has(ticketId)) return true;
      if (joined.size >= env.SOCKET_MAX_ROOMS) return false;
      joined.add(ticketId);
      return true;
    },

    /** Forget `ticketId` as a room of `socket` (left, or the join failed). */
    leaveRoom(socket: AnySocket, ticketId: string) {
      ticketRooms.get(socket)?.delete(ticketId);
    },
  };
}

/** The ack of a ticket:join refused for SOCKET_MAX_ROOMS. */
export function tooManyRooms(max: number) {
  return { ok: false as const, error: { code: "TOO_MANY_ROOMS" as const, message: `A connection may watch at most ${max} tickets at once` } };
}
