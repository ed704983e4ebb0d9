import "server-only";
import type { Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { Server } from "socket.io";
import {
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
  rooms,
  ZTicketJoin,
  ZTicketLeave,
} from "../../shared/realtime";
import { isStaffRole } from "../../shared/enums";
import type { Env } from "../env";
import { isAppError } from "../errors";
import { listTicketEvents } from "../events/list-events";
import { lastSeqFor, type RecordedTicketEvent, viewEvent } from "../events/view-event";
import { audienceOf, deliveriesOf, ticketRoom } from "../policy";
import { loadTicketFor } from "../tickets/load-ticket";
import { runtime } from "../runtime";
import { PING_INTERVAL_MS, PING_TIMEOUT_MS } from "../timeouts";
import { authenticateHandshake } from "./authenticate";
import { originAllowed } from "./origin";
import { packetShape } from "./packet-shape";
import { createRateLimiter } from "./rate-limit";
import { createSocketLimits, tooManyRooms } from "./limits";
import { connectRedis } from "./redis";
import { enterSessionRoom, installSocketCloser, recheckSessions } from "./sessions";

export type TandemIO = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData & { expiresAt: number; sid: string }>;

export type RealtimeServer = { io: TandemIO; close(): Promise<void> };

function errorOf(e: unknown) {
  if (isAppError(e)) return { code: e.code, message: e.message };
  console.error("[tandem] socket handler failed", e);
  return { code: "INTERNAL", message: "Something went wrong" };
}

/**
 * Attach Socket.IO to `httpServer`: handshake auth from the next-auth cookie,
 * Origin allowlist, server-decided rooms, and the publisher that turns
 * committed ticket events into room emits. With REDIS_URL, rooms are shared
 * between processes through @socket.io/redis-adapter.
 */
export function createRealtimeServer(httpServer: HttpServer, env: Env): RealtimeServer {
  const io: TandemIO = new Server(httpServer, {
    path: "/socket.io/",
    serveClient: false,
    // Upgrades on other paths belong to Next (HMR in development); engine.io
    // would otherwise destroy them after a second.
    destroyUpgrade: false,
    // Client events are tiny ({ ticketId, sinceSeq }); nothing needs the 1 MB default.
    maxHttpBufferSize: 16 * 1024,
    pingInterval: PING_INTERVAL_MS,
    pingTimeout: PING_TIMEOUT_MS,
    // CORS does not protect WebSockets (OWASP): refuse foreign origins outright.
    allowRequest: (req, callback) => callback(null, originAllowed(req.headers.origin, req.headers.host, env)),
  });

  // With Redis, rooms span processes; an outage degrades to local delivery (see ./redis.ts).
  const redis = env.REDIS_URL ? connectRedis(env.REDIS_URL) : undefined;
  if (redis) io.adapter(createAdapter(redis.pub, redis.sub));

  // Per-address cap before authentication; per-user cap and event budget after (see ./limits.ts).
  const limits = createSocketLimits(env);
  io.use((socket, next) => limits.admitAddress(socket, next));

  io.use(async (socket, next) => {
    try {
      const identity = await authenticateHandshake(socket.request.headers);
      if (!identity) return next(new Error("unauthorized"));
      const { id, name, role } = identity.user;
      socket.data.user = { id, name, role };
      socket.data.expiresAt = identity.expiresAt;
      socket.data.sid = identity.sessionId;
      next();
    } catch (e) {
      console.error("[tandem] socket auth failed", e);
      next(new Error("unauthorized"));
    }
  });

  io.use((socket, next) => limits.admitUser(socket, next));

  io.on("connection", (socket) => {
    const user = socket.data.user;
    void socket.join(rooms.user(user.id));
    if (isStaffRole(user.role)) void socket.join(rooms.staff);
    enterSessionRoom(socket);

    const allow = createRateLimiter(env.SOCKET_RATE_LIMIT, 10_000);
    socket.use((packet, next) => {
      if (allow()) return next();
      const ack = packet[packet.length - 1];
      if (typeof ack === "function") ack({ ok: false, error: { code: "RATE_LIMITED", message: "Too many requests" } });
    });
    socket.use(limits.eventBudget(socket));
    socket.use(packetShape(socket));

    socket.on("ticket:join", async (payload, ack) => {
      if (typeof ack !== "function") return;
      const parsed = ZTicketJoin.safeParse(payload);
      if (!parsed.success) return ack({ ok: false, error: { code: "VALIDATION", message: "Invalid ticket:join payload" } });
      const { ticketId, sinceSeq } = parsed.data;
      if (!limits.enterRoom(socket, ticketId)) return ack(tooManyRooms(env.SOCKET_MAX_ROOMS));
      try {
        // Authorize first; join before reading the log so no event falls between.
        const ticket = await loadTicketFor(user, ticketId);
        // One room per audience: this socket hears the ticket in its user's numbering.
        await socket.join(ticketRoom(user, ticketId));
        // Without sinceSeq the client has just loaded the ticket: it still gets
        // whatever committed between that load check and the join.
        const { seq, events, truncated } = await listTicketEvents(
          user,
          ticketId,
          sinceSeq ?? lastSeqFor(ticket, audienceOf(user)),
        );
        if (truncated) {
          // Not joined after all: the client catches up over HTTP, then joins again.
          await socket.leave(ticketRoom(user, ticketId));
          limits.leaveRoom(socket, ticketId);
          return ack({ ok: false, error: { code: "RESYNC", message: "Too far behind; fetch the missed events, then join again" } });
        }
        ack({ ok: true, seq, missed: events });
      } catch (e) {
        await socket.leave(ticketRoom(user, ticketId));
        limits.leaveRoom(socket, ticketId);
        ack({ ok: false, error: errorOf(e) });
      }
    });

    socket.on("ticket:leave", async (payload, ack) => {
      const parsed = ZTicketLeave.safeParse(payload);
      if (!parsed.success) {
        if (typeof ack === "function") ack({ ok: false, error: { code: "VALIDATION", message: "Invalid ticket:leave payload" } });
        return;
      }
      await socket.leave(ticketRoom(user, parsed.data.ticketId));
      limits.leaveRoom(socket, parsed.data.ticketId);
      if (typeof ack === "function") ack({ ok: true });
    });
  });

  // Who hears what, in which numbering, is the policy's data (deliveriesOf):
  // internal notes reach staff rooms only, and each audience gets the event
  // renumbered for it, so a requester's socket never learns a note exists.
  runtime().publish = (event: RecordedTicketEvent) => {
    for (const { audience, to, except } of deliveriesOf(event)) {
      io.to(to).except(except).emit(event.type, viewEvent(event, audience) as never);
    }
  };

  installSocketCloser(io);

  runtime().readiness = async () => ({
    redis: redis ? redis.status() : "disabled",
    sockets: io.of("/").sockets.size,
  });

  // Sessions end at once through installSocketCloser; this re-check is the
  // backstop for changes made behind the app's back (see ./sessions.ts).
  const recheck = setInterval(() => void recheckSessions(io), env.SESSION_RECHECK_SECONDS * 1000);
  recheck.unref();

  return {
    io,
    async close() {
      clearInterval(recheck);
      runtime().publish = undefined;
      runtime().sockets = undefined;
      // io.close() only drops the transports, so clients see "transport
      // close" and reconnect (to this process once it is back, or to another
      // behind the proxy). Not disconnectSockets(): that tells clients the
      // server ended their session, and with the Redis adapter it would even
      // disconnect the sockets of every other process.
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await redis?.close();
    },
  };
}
