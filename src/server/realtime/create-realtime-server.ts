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
import type { Env } from "../env";
import { isAppError } from "../errors";
import type { Processor } from "../engine/processor";
import { listTicketEvents } from "../events/list-events";
import { listsRoom, roomsOnConnect, ticketRoom } from "../policy";
import { loadTicketFor } from "../tickets/load-ticket";
import { runtime, type StaffEmitter, type UserEmitter } from "../runtime";
import { PING_INTERVAL_MS, PING_TIMEOUT_MS } from "../timeouts";
import { originAllowed } from "./origin";
import { packetShape } from "./packet-shape";
import { infrastructureError } from "../failures/classify-failure";
import { createRateLimiter } from "./rate-limit";
import { createSocketLimits, tooManyRooms } from "./limits";
import { connectRedis } from "./redis";
import { authenticateSockets } from "./handshake";
import { joinTicket } from "./join-ticket";
import { runProbe } from "./probe";
import type { PrismaClient } from "../../generated/prisma/client";
import { createRelay, type RelayStats } from "./relay";
import { enterSessionRoom, installSocketCloser, recheckSessions } from "./sessions";
import { log } from "../log";
import type { ErrorInfo } from "../../shared/errors";
import { countCatchUp, countRelayed } from "../metrics/metrics";
import { createPresenceHub } from "../presence/presence-hub";
import { createMemoryPresenceStore } from "../presence/memory-store";
import { createRedisPresenceStore } from "../presence/redis-store";
import { presenceChangeOf } from "../presence/update-presence";
import { listPresence } from "../presence/list-presence";

/**
 * Presence events a socket may send per 10 s, counted apart from its other
 * events: a client beats at most every ~3 s while typing, and a flood of
 * beats must never use up the budget that ticket joins need.
 */
const PRESENCE_EVENTS_PER_10S = 40;
const isPresenceEvent = (event: unknown) => event === "presence:update" || event === "presence:list";

export type TandemIO = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData & { expiresAt: number; sid: string }>;

export type RealtimeServer = {
  io: TandemIO;
  /** Emit to every socket of one user, on every process (for the notifications processor). */
  emitToUser: UserEmitter;
  /** The event stream processor that delivers committed events to this process's sockets. */
  relay: Processor;
  relayStats(): RelayStats;
  close(): Promise<void>;
};

function errorOf(e: unknown): ErrorInfo {
  if (isAppError(e)) return { code: e.code, message: e.message };
  const infrastructure = infrastructureError(e);
  if (infrastructure) return { code: infrastructure.code, message: infrastructure.message };
  log.error({ err: e }, "[tandem] socket handler failed");
  return { code: "INTERNAL", message: "Something went wrong" };
}

/**
 * Attach Socket.IO to `httpServer`, composed of: the handshake (./handshake.ts),
 * Origin allowlist, limits, the join use case (./join-ticket.ts), the relay
 * that delivers committed events (./relay.ts; server.ts runs it as a stream
 * processor) and session re-checks (./sessions.ts). With REDIS_URL,
 * @socket.io/redis-adapter lets one process close sockets held by another
 * (sign-out, deactivation); events do not travel through it.
 */
export function createRealtimeServer(httpServer: HttpServer, env: Env, deps: { prisma: PrismaClient }): RealtimeServer {
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

  // With Redis, socket closings reach every process; an outage leaves event
  // delivery untouched (the relay reads the database), see ./redis.ts.
  const redis = env.REDIS_URL ? connectRedis(env.REDIS_URL) : undefined;
  if (redis) io.adapter(createAdapter(redis.pub, redis.sub));

  // Who has which ticket open, and who is typing: ephemeral, never ticket
  // events (see ../presence/presence-hub.ts). In Redis with expiry when
  // several processes share it, else in this process's memory.
  let lastPresenceError = 0;
  const presence = createPresenceHub({
    store: redis ? createRedisPresenceStore(redis.pub, env.PRESENCE_TTL_SECONDS * 1000) : createMemoryPresenceStore(),
    ttlMs: env.PRESENCE_TTL_SECONDS * 1000,
    tickMs: Math.min(3_000, (env.PRESENCE_TTL_SECONDS * 1000) / 2),
    emit: (scope, room, event, payload) => (scope === "all" ? io : io.local).to(room).emit(event, payload),
    onError(what, e) {
      if (Date.now() - lastPresenceError < 10_000) return;
      lastPresenceError = Date.now();
      log.error({ err: e }, `[tandem] ${what} (presence catches up once the store answers)`);
    },
  });
  presence.start();

  // Per-address cap before authentication; per-user cap and event budget after (see ./limits.ts).
  const limits = createSocketLimits(env);
  io.use((socket, next) => limits.admitAddress(socket, next));

  authenticateSockets(io);

  io.use((socket, next) => limits.admitUser(socket, next));

  io.on("connection", (socket) => {
    const user = socket.data.user;
    void socket.join(roomsOnConnect(user));
    enterSessionRoom(socket);

    const allow = createRateLimiter(env.SOCKET_RATE_LIMIT, 10_000);
    const allowPresence = createRateLimiter(PRESENCE_EVENTS_PER_10S, 10_000);
    socket.use((packet, next) => {
      if (isPresenceEvent(packet[0]) ? allowPresence() : allow()) return next();
      // Excess presence beats are dropped quietly (they have no ack); a list request is told.
      const ack = packet[packet.length - 1];
      if (typeof ack === "function") ack({ ok: false, error: { code: "RATE_LIMITED", message: "Too many requests" } });
    });
    const eventBudget = limits.eventBudget(socket);
    socket.use((packet, next) => (isPresenceEvent(packet[0]) ? next() : eventBudget(packet, next)));
    socket.use(packetShape(socket));
    socket.on("disconnect", () => presence.drop(socket.id));

    socket.on("ticket:join", async (payload, ack) => {
      if (typeof ack !== "function") return;
      const answer = await joinTicket(user, payload, {
        loadTicket: loadTicketFor,
        listEvents: listTicketEvents,
        reserve: (ticketId) => limits.enterRoom(socket, ticketId),
        join: (room) => Promise.resolve(socket.join(room)),
        async leave(room, ticketId) {
          await socket.leave(room);
          limits.leaveRoom(socket, ticketId);
        },
        describeError: errorOf,
        tooManyRooms: () => tooManyRooms(env.SOCKET_MAX_ROOMS),
      });
      if (answer.ok) {
        countCatchUp(answer.missed.length);
        // Before the ack, so a presence:update the client sends on the ack
        // finds the entry; not for a socket that went away during the join
        // (its disconnect already cleaned up, and an entry now would linger).
        const joined = ZTicketJoin.safeParse(payload);
        if (joined.success && socket.connected) presence.enter({ id: socket.id, user }, joined.data.ticketId);
      }
      ack(answer);
    });

    socket.on("admin:probe", async (payload, ack) => {
      if (typeof ack !== "function") return;
      ack(
        await runProbe(user, payload, {
          pingDatabase: () => deps.prisma.$queryRaw`SELECT 1`,
          pingRedis: redis ? () => redis.pub.ping() : undefined,
          echo: (room, probeId) => io.to(room).emit("admin:probe:echo", { probeId, pid: process.pid }),
        }),
      );
    });

    // Ticket lists: comments reach this socket only while it shows one.
    socket.on("lists:watch", async (_payload, ack) => {
      await socket.join(listsRoom(user));
      if (typeof ack === "function") ack({ ok: true });
    });
    socket.on("lists:unwatch", async (_payload, ack) => {
      await socket.leave(listsRoom(user));
      if (typeof ack === "function") ack({ ok: true });
    });

    socket.on("presence:update", (payload, ack) => {
      const change = presenceChangeOf(user, payload);
      // Only for tickets this socket joined; anything else is dropped (quietly, unless asked).
      const applied = change !== null && presence.update(socket.id, change);
      if (typeof ack !== "function") return;
      if (applied) ack({ ok: true });
      else if (!change) ack({ ok: false, error: { code: "VALIDATION", message: "Invalid presence:update payload" } });
      else ack({ ok: false, error: { code: "NOT_FOUND", message: "Join the ticket first" } });
    });

    socket.on("presence:list", async (payload, ack) => {
      if (typeof ack !== "function") return;
      ack(
        await listPresence(user, payload, {
          read: (ticketIds) => presence.read(ticketIds),
          watch: (ticketIds) => presence.watchList(socket.id, ticketIds),
          describeError: errorOf,
        }),
      );
    });

    socket.on("ticket:leave", async (payload, ack) => {
      const parsed = ZTicketLeave.safeParse(payload);
      if (!parsed.success) {
        if (typeof ack === "function") ack({ ok: false, error: { code: "VALIDATION", message: "Invalid ticket:leave payload" } });
        return;
      }
      await socket.leave(ticketRoom(user, parsed.data.ticketId));
      limits.leaveRoom(socket, parsed.data.ticketId);
      presence.leave(socket.id, parsed.data.ticketId);
      if (typeof ack === "function") ack({ ok: true });
    });
  });

  // Committed events reach sockets through the relay, a processor of the
  // event stream that server.ts runs in every process (see ./relay.ts).
  const relay = createRelay(io, countRelayed);

  installSocketCloser(io);
  // Through the adapter, not io.local: a user's tabs may be on other processes.
  const emitToUser: UserEmitter = (userId, event, payload) => {
    // UserRoomEvents and ServerToClientEvents agree by construction (see the contract).
    const room = io.to(rooms.user(userId)) as unknown as { emit(event: string, payload: unknown): void };
    room.emit(event, payload);
  };
  runtime().toUser = emitToUser;
  const emitToStaff: StaffEmitter = (event, payload) => {
    // StaffRoomEvents and ServerToClientEvents agree by construction (see the contract).
    const room = io.to(rooms.staff) as unknown as { emit(event: string, payload: unknown): void };
    room.emit(event, payload);
  };
  runtime().toStaff = emitToStaff;

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
    emitToUser,
    relay: relay.processor,
    relayStats: relay.stats,
    async close() {
      clearInterval(recheck);
      // Before the sockets go, so other processes' clients see these viewers leave now.
      await presence.close();
      runtime().sockets = undefined;
      runtime().toUser = undefined;
      runtime().toStaff = undefined;
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
