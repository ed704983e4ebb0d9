import "server-only";
import type { Role } from "../../shared/enums";
import { rooms } from "../../shared/realtime";
import { runtime } from "../runtime";
import { findLiveSessions } from "../sessions/find-live-sessions";
import type { TandemIO } from "./create-realtime-server";
import { log } from "../log";

/**
 * Every socket of one session: what a revocation closes. Server-only (the
 * client never names rooms), like every room the server joins.
 */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;

/**
 * Let use cases close sockets on every process. `disconnectSockets` on a room
 * is a broadcast operator: with the Redis adapter it is published once and each
 * process closes its own matching sockets, without waiting for replies (unlike
 * fetchSockets/serverSideEmit, which must never sit on a request path).
 * Closed clients see "io server disconnect" and try once to reconnect: a
 * revoked session is refused ("unauthorized": the session ended), a live one
 * (e.g. after a role change) gets a fresh handshake with its new rooms.
 */
export function installSocketCloser(io: TandemIO): void {
  runtime().sockets = {
    closeSessions(sessionIds) {
      if (sessionIds.length) io.in(sessionIds.map(sessionRoom)).disconnectSockets(true);
    },
    closeUser(userId) {
      io.in(rooms.user(userId)).disconnectSockets(true);
    },
  };
}

/** What the re-checks read of a socket. */
type CheckedSocket = { connected: boolean; data: { sid: string; user: { role: Role } }; disconnect(close: boolean): unknown };

/**
 * Check each newly connected socket's session once more, after it joined
 * its session's room (`sessionRoom`, joined at connection with its other
 * rooms): a revocation or role change committed between the handshake's
 * check and that join was broadcast before the socket was in any room, so
 * it missed it. Checking after joining closes that window.
 *
 * Batched: the first socket is checked at once; sockets that connect while
 * a check is running wait for it and are then checked together, one query
 * per 500 sessions (`findLiveSessions`). So a reconnect storm (every client
 * of a restarted process at once) costs a few queries instead of one per
 * socket, and no socket waits longer than one query for its check.
 */
export function createConnectRecheck(
  findLive: (sessionIds: string[]) => Promise<Map<string, Role>> = findLiveSessions,
  onError: (e: unknown) => void = (e) => log.error({ err: e }, "[tandem] session re-check after connect failed"),
): (socket: CheckedSocket) => void {
  let waiting: CheckedSocket[] = [];
  let running = false;
  async function drain() {
    running = true;
    while (waiting.length) {
      const batch = waiting;
      waiting = [];
      try {
        const live = await findLive([...new Set(batch.map((s) => s.data.sid))]);
        for (const socket of batch) {
          if (socket.connected && live.get(socket.data.sid) !== socket.data.user.role) socket.disconnect(true);
        }
      } catch (e) {
        onError(e);
      }
    }
    running = false;
  }
  return (socket) => {
    waiting.push(socket);
    if (!running) void drain();
  };
}

/**
 * The backstop for changes made behind the app's back (e.g. SQL on the
 * database) or broadcasts lost while Redis was down: every
 * SESSION_RECHECK_SECONDS, close this process's sockets whose session is no
 * longer live, whose user's role changed, or whose JWT expired.
 */
export async function recheckSessions(io: TandemIO): Promise<void> {
  const sockets = [...io.of("/").sockets.values()];
  if (sockets.length === 0) return;
  let live: Awaited<ReturnType<typeof findLiveSessions>>;
  try {
    live = await findLiveSessions([...new Set(sockets.map((s) => s.data.sid))]);
  } catch (e) {
    log.error({ err: e }, "[tandem] session re-check failed");
    return;
  }
  const now = Date.now();
  for (const socket of sockets) {
    if (live.get(socket.data.sid) !== socket.data.user.role || socket.data.expiresAt <= now) socket.disconnect(true);
  }
}
