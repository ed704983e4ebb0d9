import "server-only";
import type { Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { Server } from "socket.io";
import {
  type AnyTicketEvent,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
  rooms,
  ZTicketJoin,
  ZTicketLeave,
} from "../../shared/realtime";
import { isStaffRole } from "../../shared/enums";
import { findActiveUser } from "../users/find-active-user";
import type { Env } from "../env";
import { isAppError } from "../errors";
import { listTicketEvents } from "../events/list-events";
import { can, isInternalEvent } from "../policy";
import { loadTicketFor } from "../tickets/load-ticket";
import { runtime } from "../runtime";
import { PING_INTERVAL_MS, PING_TIMEOUT_MS } from "../timeouts";
import { authenticateHandshake } from "./authenticate";
import { originAllowed } from "./origin";
import { createRateLimiter } from "./rate-limit";
import { createSocketLimits, tooManyRooms } from "./limits";
import { connectRedis } from "./redis";

export type TandemIO = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData & { expiresAt: number }>;

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

    const allow = createRateLimiter(env.SOCKET_RATE_LIMIT, 10_000);
    socket.use((packet, next) => {
      if (allow()) return next();
      const ack = packet[packet.length - 1];
      if (typeof ack === "function") ack({ ok: false, error: { code: "RATE_LIMITED", message: "Too many requests" } });
    });
    socket.use(limits.eventBudget(socket));

    socket.on("ticket:join", async (payload, ack) => {
      if (typeof ack !== "function") return;
      const parsed = ZTicketJoin.safeParse(payload);
      if (!parsed.success) return ack({ ok: false, error: { code: "VALIDATION", message: "Invalid ticket:join payload" } });
      const { ticketId, sinceSeq } = parsed.data;
      if (!limits.enterRoom(socket, ticketId)) return ack(tooManyRooms(env.SOCKET_MAX_ROOMS));
      try {
        // Authorize first; join before reading the log so no event falls between.
        const ticket = await loadTicketFor(user, ticketId);
        await socket.join(rooms.ticket(ticketId));
        if (can(user, "comment:internal:read")) await socket.join(rooms.ticketStaff(ticketId));
        // Without sinceSeq the client has just loaded the ticket: it still gets
        // whatever committed between that load check and the join.
        const { seq, events, truncated } = await listTicketEvents(user, ticketId, sinceSeq ?? ticket.lastSeq);
        if (truncated) {
          // Not joined after all: the client catches up over HTTP, then joins again.
          await socket.leave(rooms.ticket(ticketId));
          await socket.leave(rooms.ticketStaff(ticketId));
          limits.leaveRoom(socket, ticketId);
          return ack({ ok: false, error: { code: "RESYNC", message: "Too far behind; fetch the missed events, then join again" } });
        }
        ack({ ok: true, seq, missed: events });
      } catch (e) {
        await socket.leave(rooms.ticket(ticketId));
        await socket.leave(rooms.ticketStaff(ticketId));
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
      await socket.leave(rooms.ticket(parsed.data.ticketId));
      await socket.leave(rooms.ticketStaff(parsed.data.ticketId));
      limits.leaveRoom(socket, parsed.data.ticketId);
      if (typeof ack === "function") ack({ ok: true });
    });
  });

  runtime().publish = (event: AnyTicketEvent) => {
    switch (event.type) {
      case "ticket:created":
      case "ticket:updated":
        // Everyone who may see the ticket: all staff, and its requester.
        io.to([rooms.staff, rooms.user(event.data.ticket.requester.id)]).emit(event.type, event as never);
        break;
      case "comment:added":
      case "attachment:added":
        // Internal notes go only to the staff half of the room: a requester's
        // socket in the same ticket room must never receive them.
        io.to(isInternalEvent(event) ? rooms.ticketStaff(event.ticketId) : rooms.ticket(event.ticketId)).emit(
          event.type,
          event as never,
        );
        break;
    }
  };

  runtime().readiness = async () => ({
    redis: redis ? redis.status() : "disabled",
    sockets: io.of("/").sockets.size,
  });

  // Sessions end: deleted, deactivated or expired users lose their sockets.
  const recheck = setInterval(() => void recheckSessions(io), env.SESSION_RECHECK_SECONDS * 1000);
  recheck.unref();

  return {
    io,
    async close() {
      clearInterval(recheck);
      runtime().publish = undefined;
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

async function recheckSessions(io: TandemIO) {
  const sockets = [...io.of("/").sockets.values()];
  const ids = [...new Set(sockets.map((s) => s.data.user.id))];
  const current = new Map<string, Awaited<ReturnType<typeof findActiveUser>>>();
  try {
    await Promise.all(ids.map(async (id) => current.set(id, await findActiveUser(id))));
  } catch (e) {
    console.error("[tandem] session re-check failed", e);
    return;
  }
  for (const socket of sockets) {
    const now = current.get(socket.data.user.id);
    if (!now || now.role !== socket.data.user.role || socket.data.expiresAt <= Date.now()) socket.disconnect(true);
  }
}
