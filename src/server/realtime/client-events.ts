import "server-only";
import type Redis from "ioredis";
import type { ClientToServerEvents } from "../../shared/realtime";
import { ZTicketJoin, ZTicketLeave } from "../../shared/realtime";
import type { ErrorInfo } from "../../shared/errors";
import type { Env } from "../env";
import { isAppError } from "../errors";
import { listTicketEvents } from "../events/list-events";
import { infrastructureError } from "../failures/classify-failure";
import { log } from "../log";
import { countCatchUp } from "../metrics/metrics";
import { listsRoom, ticketRoom } from "../policy";
import { listPresence } from "../presence/list-presence";
import type { PresenceHub } from "../presence/presence-hub";
import { presenceChangeOf } from "../presence/update-presence";
import { loadTicketFor } from "../tickets/load-ticket";
import type { PrismaClient } from "../../generated/prisma/client";
import type { TandemIO, TandemSocket } from "./create-realtime-server";
import { joinTicket } from "./join-ticket";
import { type createSocketLimits, tooManyRooms } from "./limits";
import { packetShapeError } from "./packet-shape";
import { runProbe } from "./probe";
import { allowIn, type RateWindow } from "./rate-limit";

/**
 * Presence events a socket may send per 10 s, counted apart from its other
 * events: a client beats at most every ~3 s while typing, and a flood of
 * beats must never use up the budget that ticket joins need.
 */
export const PRESENCE_EVENTS_PER_10S = 40;
const WINDOW_MS = 10_000;
const isPresenceEvent = (event: unknown) => event === "presence:update" || event === "presence:list";

type Ack = (result: unknown) => void;
type Handler = (socket: TandemSocket, payload: unknown, ack: Ack | undefined) => unknown;

export type ClientEventDeps = {
  io: TandemIO;
  env: Pick<Env, "SOCKET_RATE_LIMIT" | "SOCKET_MAX_ROOMS">;
  limits: ReturnType<typeof createSocketLimits>;
  presence: PresenceHub;
  prisma: PrismaClient;
  redis?: { pub: Redis };
};

const rateLimited = { ok: false as const, error: { code: "RATE_LIMITED" as const, message: "Too many requests" } };

/** An error as a client may see it: coded errors as they are, anything else logged and answered INTERNAL. */
export function errorOf(e: unknown): ErrorInfo {
  if (isAppError(e)) return { code: e.code, message: e.message };
  const infrastructure = infrastructureError(e);
  if (infrastructure) return { code: infrastructure.code, message: infrastructure.message };
  log.error({ err: e }, "[tandem] socket handler failed");
  return { code: "INTERNAL", message: "Something went wrong" };
}

/**
 * Every client event of every socket, handled by functions made once per
 * server: `listen(socket)` adds one catch-all listener (`socket.onAny`) and
 * one disconnect listener, the same two functions for every socket, which
 * find the socket in `this` and its user in `socket.data`. Per socket that
 * is two references, where a listener per event, a middleware per check and
 * a rate limiter per limit used to cost about fifteen closures per socket
 * (bench/findings.md, "Memory per socket").
 *
 * Each packet passes, in order: the socket's own rate limits (presence
 * beats counted apart from the rest; kept in a WeakMap from the socket's
 * first packet on, so an idle socket holds none), the user's shared event
 * budget (not for presence, see ./limits.ts), the packet's shape (an event
 * the server handles, one payload, the ack last, see ./packet-shape.ts),
 * then its handler, if the socket is still connected by then. (Socket.IO
 * also emits each packet by name on the socket's EventEmitter afterwards,
 * where no client event has a listener: Socket.IO's own no-op "error"
 * listener is the only one a client could name, the parser refuses the
 * other reserved names.)
 */
export function createClientEvents(deps: ClientEventDeps) {
  const { io, env, limits, presence } = deps;
  const windows = new WeakMap<TandemSocket, { events: RateWindow; presence: RateWindow }>();

  const handlers = new Map<keyof ClientToServerEvents, Handler>([
    [
      "ticket:join",
      async (socket, payload, ack) => {
        if (!ack) return;
        const user = socket.data.user;
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
      },
    ],
    [
      "admin:probe",
      async (socket, payload, ack) => {
        if (!ack) return;
        const { redis, prisma } = deps;
        ack(
          await runProbe(socket.data.user, payload, {
            pingDatabase: () => prisma.$queryRaw`SELECT 1`,
            pingRedis: redis ? () => redis.pub.ping() : undefined,
            echo: (room, probeId) => io.to(room).emit("admin:probe:echo", { probeId, pid: process.pid }),
          }),
        );
      },
    ],
    // Ticket lists: comments reach this socket only while it shows one.
    [
      "lists:watch",
      async (socket, _payload, ack) => {
        await socket.join(listsRoom(socket.data.user));
        ack?.({ ok: true });
      },
    ],
    [
      "lists:unwatch",
      async (socket, _payload, ack) => {
        await socket.leave(listsRoom(socket.data.user));
        ack?.({ ok: true });
      },
    ],
    [
      "presence:update",
      (socket, payload, ack) => {
        const change = presenceChangeOf(socket.data.user, payload);
        // Only for tickets this socket joined; anything else is dropped (quietly, unless asked).
        const applied = change !== null && presence.update(socket.id, change);
        if (!ack) return;
        if (applied) ack({ ok: true });
        else if (!change) ack({ ok: false, error: { code: "VALIDATION", message: "Invalid presence:update payload" } });
        else ack({ ok: false, error: { code: "NOT_FOUND", message: "Join the ticket first" } });
      },
    ],
    [
      "presence:list",
      async (socket, payload, ack) => {
        if (!ack) return;
        ack(
          await listPresence(socket.data.user, payload, {
            read: (ticketIds) => presence.read(ticketIds),
            watch: (ticketIds) => presence.watchList(socket.id, ticketIds),
            describeError: errorOf,
          }),
        );
      },
    ],
    [
      "ticket:leave",
      async (socket, payload, ack) => {
        const parsed = ZTicketLeave.safeParse(payload);
        if (!parsed.success) {
          ack?.({ ok: false, error: { code: "VALIDATION", message: "Invalid ticket:leave payload" } });
          return;
        }
        await socket.leave(ticketRoom(socket.data.user, parsed.data.ticketId));
        limits.leaveRoom(socket, parsed.data.ticketId);
        presence.leave(socket.id, parsed.data.ticketId);
        ack?.({ ok: true });
      },
    ],
  ]);
  const known = (event: unknown) => handlers.has(event as keyof ClientToServerEvents);

  function handle(socket: TandemSocket, event: unknown, args: unknown[], ack: Ack | undefined) {
    const problem = packetShapeError(event, args, known);
    if (problem) {
      // Without an ack there is nobody to answer: dropped quietly.
      ack?.({ ok: false, error: problem });
      return;
    }
    // The socket may have gone while the budget was checked.
    if (!socket.connected) return;
    Promise.resolve(handlers.get(event as keyof ClientToServerEvents)!(socket, args[0], ack)).catch((e: unknown) => {
      const error = errorOf(e);
      ack?.({ ok: false, error });
    });
  }

  /** The catch-all listener: `this` is the socket (Socket.IO calls it so). */
  function onPacket(this: TandemSocket, event: unknown, ...args: unknown[]) {
    const ack = typeof args.at(-1) === "function" ? (args.pop() as Ack) : undefined;
    let w = windows.get(this);
    if (!w) {
      const t = Date.now();
      windows.set(this, (w = { events: { start: t, count: 0 }, presence: { start: t, count: 0 } }));
    }
    const presenceEvent = isPresenceEvent(event);
    if (!(presenceEvent ? allowIn(w.presence, PRESENCE_EVENTS_PER_10S, WINDOW_MS, Date.now()) : allowIn(w.events, env.SOCKET_RATE_LIMIT, WINDOW_MS, Date.now()))) {
      // Excess presence beats are dropped quietly (they have no ack); a list request is told.
      ack?.(rateLimited);
      return;
    }
    if (presenceEvent) return handle(this, event, args, ack);
    limits.spend(this, ack, () => handle(this, event, args, ack));
  }

  function onDisconnect(this: TandemSocket) {
    presence.drop(this.id);
  }

  return {
    /** Handle `socket`'s client events from now on. */
    listen(socket: TandemSocket) {
      socket.onAny(onPacket);
      socket.on("disconnect", onDisconnect);
    },
  };
}
