import "server-only";
import { HANDSHAKE_RETRY, HANDSHAKE_UNAUTHORIZED } from "../../shared/realtime-handshake";
import { authenticateHandshake, type SocketIdentity } from "./authenticate";
import type { TandemIO } from "./create-realtime-server";
import { log } from "../log";

/**
 * The handshake: every socket carries the next-auth session of its cookie,
 * checked against its Session row. "Not signed in" is final for the client;
 * "could not check" (database or Redis down) is a different message the
 * client retries with backoff, so an outage never looks like a sign-out.
 */
export function authenticateSockets(
  io: TandemIO,
  authenticate: (headers: import("node:http").IncomingHttpHeaders) => Promise<SocketIdentity | null> = authenticateHandshake,
  warn: (msg: string) => void = (msg) => log.warn(msg),
): void {
  io.use(async (socket, next) => {
    try {
      const identity = await authenticate(socket.request.headers);
      if (!identity) return next(new Error(HANDSHAKE_UNAUTHORIZED));
      const { id, name, role } = identity.user;
      socket.data.user = { id, name, role };
      socket.data.expiresAt = identity.expiresAt;
      socket.data.sid = identity.sessionId;
      next();
    } catch (e) {
      // A middleware error is final for socket.io-client, so this one carries
      // a different message (and data) that the client retries.
      warn(`[tandem] socket auth could not be checked: ${e instanceof Error ? e.message : String(e)}`);
      next(Object.assign(new Error(HANDSHAKE_RETRY), { data: { code: "UNAVAILABLE", retryable: true } }));
    }
  });
}
