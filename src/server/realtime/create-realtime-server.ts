import "server-only";
import type { Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { Server } from "socket.io";
import {
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
  rooms,
} from "../../shared/realtime";
import type { Env } from "../env";
import type { Processor } from "../engine/processor";
import { roomsOnConnect } from "../policy";
import { runtime, type StaffEmitter, type UserEmitter } from "../runtime";
import { PING_INTERVAL_MS, PING_TIMEOUT_MS } from "../timeouts";
import { originAllowed } from "./origin";
import { createSocketLimits } from "./limits";
import { connectRedis } from "./redis";
import { authenticateSockets } from "./handshake";
import type { PrismaClient } from "../../generated/prisma/client";
import { createRelay, type RelayStats } from "./relay";
import { createConnectRecheck, installSocketCloser, recheckSessions, sessionRoom } from "./sessions";
import { createClientEvents } from "./client-events";
import { forgetHandshake, installForgetting } from "./forget-requests";
import { log } from "../log";
import { countRelayed } from "../metrics/metrics";
import { createPresenceHub } from "../presence/presence-hub";
import { createMemoryPresenceStore } from "../presence/memory-store";
import { createRedisPresenceStore } from "../presence/redis-store";

export type TandemIO = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData & { expiresAt: number; sid: string }>;
export type TandemSocket = Parameters<Parameters<TandemIO["on"]>[1]>[0];

export type RealtimeServer = {
  io: TandemIO;
  /** Emit to every socket of one user, on every process (for the notifications processor). */
  emitToUser: UserEmitter;
  /** The event stream processor that delivers committed events to this process's sockets. */
  relay: Processor;
  relayStats(): RelayStats;
  close(): Promise<void>;
};

/**
 * Attach Socket.IO to `httpServer`, composed of: the handshake (./handshake.ts),
 * Origin allowlist, limits, the client events (./client-events.ts: one set of
 * handlers for every socket, joining tickets through ./join-ticket.ts), the relay
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
  redis?.onReconnected(() => {
    // What other processes sent to users' rooms during the outage is lost:
    // this process's pages read it again (see "realtime:resync").
    io.local.emit("realtime:resync", {});
    // A Redis that restarted has no viewers: put this process's back now.
    presence.restore();
  });

  // Per-address cap before authentication; per-user cap and event budget after (see ./limits.ts).
  const limits = createSocketLimits(env);
  io.use((socket, next) => limits.admitAddress(socket, next));

  authenticateSockets(io);

  io.use((socket, next) => limits.admitUser(socket, next));

  installForgetting(io);
  const recheckSession = createConnectRecheck();
  const clientEvents = createClientEvents({ io, env, limits, presence, prisma: deps.prisma, redis });

  io.on("connection", (socket) => {
    // Only the middlewares above read the handshake's headers; what the
    // socket needs later is in socket.data (see ./forget-requests.ts).
    forgetHandshake(socket);
    void socket.join([...roomsOnConnect(socket.data.user), sessionRoom(socket.data.sid)]);
    recheckSession(socket);
    clientEvents.listen(socket);
  });

  // Committed events reach sockets through the relay, a processor of the
  // event stream that server.ts runs in every process (see ./relay.ts).
  const relay = createRelay(io, countRelayed);
  runtime().deliverCommitted = relay.deliverCommitted;

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
      runtime().deliverCommitted = undefined;
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
