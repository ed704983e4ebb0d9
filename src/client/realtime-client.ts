import { io, type Socket } from "socket.io-client";
import {
  TICKET_EVENT_TYPES,
  type AnyTicketEvent,
  type Audience,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type TicketEventType,
  type TicketJoinAck,
  type ProbeAck,
  type ProbeEcho,
  type NotificationReadEvent,
  type PresenceListAck,
  type PresenceTicket,
  type TPresenceUpdate,
} from "../shared/realtime";
import type { NotificationDTO } from "../shared/dto";
import { newIdempotencyKey } from "./api-client";
import { HANDSHAKE_RETRY, HANDSHAKE_UNAUTHORIZED } from "../shared/realtime-handshake";
import { retryWhenUnavailable } from "./retry-unavailable";

export type TandemSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What the connection indicator shows; exactly these three states. */
export type ConnectionState = "connected" | "reconnecting" | "offline";

export type TicketEventHandler = (event: AnyTicketEvent) => void;

/** Server messages other than ticket events (drafts, read marks, …), by name. */
export type MessageName = Exclude<keyof ServerToClientEvents, TicketEventType>;
export type MessageOf<K extends MessageName> = Parameters<ServerToClientEvents[K]>[0];
/** What the user's room says about their notifications (see src/shared/realtime.ts). */
export type NotificationMessage =
  | { type: "notification:new"; notification: NotificationDTO }
  | { type: "notification:read"; read: NotificationReadEvent };
export type NotificationHandler = (message: NotificationMessage) => void;
/** Presence is ephemeral, not a ticket event: its own handlers (see presence.ts). */
export type PresenceHandler = (event: "presence:ticket" | "presence:summary", presence: PresenceTicket) => void;

export type JoinOptions = {
  /** The caller's watermark (see ticket-state.ts); read at every (re)join, so it is a getter. */
  sinceSeq: () => number;
  /** The numbering `sinceSeq` is in (the page's audience when it loaded); see ZTicketJoin. */
  audience?: Audience;
  /**
   * Called with the ack of every join, the first and each automatic rejoin.
   * After a failed join that may succeed later (not NOT_FOUND or FORBIDDEN),
   * the join is retried once the returned promise settles.
   */
  onAck: (ack: TicketJoinAck) => void | Promise<void>;
};

const JOIN_TIMEOUT_MS = 10_000;
/** Join retries back off from 1 s to 30 s while the socket stays connected. */
const JOIN_RETRY_MIN_MS = 1000;
const JOIN_RETRY_MAX_MS = 30_000;
/** Wait before retrying a handshake refused for too many open connections. */
const CAPPED_RETRY_MS = 30_000;
/** Join failures a retry cannot fix. */
const FINAL_JOIN_ERRORS = new Set(["NOT_FOUND", "FORBIDDEN", "VALIDATION", "AUDIENCE_CHANGED"]);

/**
 * One Socket.IO connection per tab, shared by every component through
 * RealtimeProvider. Components never hold the socket itself: they register
 * event handlers and ticket joins here, and this client re-attaches them to
 * whatever socket is current and re-joins every ticket after each reconnect
 * (with the highest seq the caller has seen, so the server replays the gap).
 */
export class RealtimeClient {
  private socket: TandemSocket | null = null;
  private current: ConnectionState = "reconnecting";
  private readonly stateListeners = new Set<() => void>();
  private readonly eventHandlers = new Set<TicketEventHandler>();
  private readonly messageHandlers = new Map<string, Set<(payload: never) => void>>();
  private readonly notificationHandlers = new Set<NotificationHandler>();
  private readonly connectHandlers = new Set<() => void>();
  private readonly joinedHandlers = new Set<(ticketId: string) => void>();
  private readonly presenceHandlers = new Set<PresenceHandler>();
  private readonly joins = new Map<string, Set<JoinOptions>>();
  /** How many mounted lists want comments (see watchLists). */
  private listWatchers = 0;
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  private detachWindow: (() => void) | null = null;
  private ended = false;

  /** The connection state; stable between changes (for useSyncExternalStore). */
  get state(): ConnectionState {
    return this.current;
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  subscribeState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  getState = (): ConnectionState => this.current;

  /** True once the server refused this tab's session (signed out elsewhere, deactivated, expired). */
  getSessionEnded = (): boolean => this.ended;

  /** Open the connection. Idempotent; paired with stop() by the provider's effect. */
  start(): void {
    if (this.socket) return;
    // Default transports on purpose: long-polling first, then an upgrade to
    // WebSocket, so the app still works behind proxies that drop Upgrade.
    const socket: TandemSocket = io({ path: "/socket.io", withCredentials: true, autoConnect: false });
    this.socket = socket;

    for (const type of TICKET_EVENT_TYPES) {
      socket.on(type as TicketEventType, ((event: AnyTicketEvent) => this.emitLocal(event)) as never);
    }
    // Everything else goes to whoever registered for that name (see on()).
    socket.onAny((name: string, payload: unknown) => {
      for (const handler of this.messageHandlers.get(name) ?? []) {
        try {
          (handler as (p: unknown) => void)(payload);
        } catch (e) {
          console.error("[tandem] realtime handler failed", name, e);
        }
      }
    });
    socket.on("notification:new", (notification) => this.emitNotification({ type: "notification:new", notification }));
    socket.on("notification:read", (read) => this.emitNotification({ type: "notification:read", read }));
    for (const event of ["presence:ticket", "presence:summary"] as const) {
      socket.on(event, (presence) => {
        for (const handler of this.presenceHandlers) handler(event, presence);
      });
    }
    socket.on("connect", () => {
      this.setState("connected");
      this.resync();
    });
    // The server lost messages for this user (its Redis link was down): read
    // again as after a reconnect (see "realtime:resync" in shared/realtime.ts).
    socket.on("realtime:resync", () => this.resync());
    socket.on("disconnect", (reason) => {
      this.clearRetries();
      if (reason === "io server disconnect") {
        // The server closed this socket on purpose, which it does when the
        // session ended and when the user's role changed; socket.io then
        // never reconnects by itself. Ask once: a still-valid session gets
        // straight back in (with the rooms of its new role), an ended one is
        // refused with "unauthorized" below.
        this.setState("reconnecting");
        socket.connect();
        return;
      }
      this.setState(socket.active && navigator.onLine ? "reconnecting" : "offline");
    });
    // The server could not check the session (database or Redis down): not
    // "signed out", so keep showing "Reconnecting…" and retry with backoff.
    const stopRetrying = retryWhenUnavailable(socket, () => this.setState(navigator.onLine ? "reconnecting" : "offline"));
    socket.on("connect_error", (err) => {
      if (err.message === HANDSHAKE_UNAUTHORIZED) {
        // Refused by the handshake: retrying cannot help until the user signs in again.
        this.ended = true;
        this.setState("offline");
        this.notifyState();
        return;
      }
      if (err.message === HANDSHAKE_RETRY) return; // retryWhenUnavailable above owns this one
      if (err.message === "too_many_sockets") {
        // Refused for the per-user or per-address cap, not for the session:
        // Socket.IO does not retry a handshake refusal, so try again later.
        this.setState("reconnecting");
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          if (this.socket === socket) socket.connect();
        }, CAPPED_RETRY_MS);
        this.retryTimers.add(timer);
        return;
      }
      this.setState(socket.active && navigator.onLine ? "reconnecting" : "offline");
    });
    socket.io.on("reconnect_attempt", () => {
      if (navigator.onLine) this.setState("reconnecting");
    });

    const onOffline = () => this.setState("offline");
    const onOnline = () => {
      if (socket.connected) {
        // The socket may have outlived the outage without noticing it (e.g.
        // a network change the transport did not detect). Catching up costs
        // a round trip and changes nothing if nothing was missed.
        this.setState("connected");
        this.resync();
        return;
      }
      this.setState("reconnecting");
      // Try at once rather than waiting out the backoff timer (a no-op if an
      // attempt is already under way).
      socket.connect();
    };
    // A tab that was hidden (or frozen by a mobile browser) catches up when seen again.
    const onVisible = () => {
      if (document.visibilityState === "visible" && socket.connected) this.resync();
    };
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    document.addEventListener("visibilitychange", onVisible);
    this.detachWindow = () => {
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      document.removeEventListener("visibilitychange", onVisible);
      stopRetrying();
    };

    this.setState(navigator.onLine ? "reconnecting" : "offline");
    socket.connect();
  }

  /** Close the connection and forget the socket; registrations are kept for a later start(). */
  stop(): void {
    this.detachWindow?.();
    this.detachWindow = null;
    const socket = this.socket;
    this.socket = null;
    this.clearRetries();
    if (socket) {
      socket.removeAllListeners();
      socket.io.removeAllListeners();
      socket.disconnect();
    }
    this.setState("offline");
  }

  /** Receive every ticket event this socket gets (user/staff rooms and joined tickets). */
  onEvent(handler: TicketEventHandler): () => void {
    this.eventHandlers.add(handler);
    return () => this.eventHandlers.delete(handler);
  }

  /** Receive one kind of non-ticket server message (whatever socket is current). */
  on<K extends MessageName>(name: K, handler: (payload: MessageOf<K>) => void): () => void {
    let set = this.messageHandlers.get(name);
    if (!set) this.messageHandlers.set(name, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  /**
   * Receive the user's notification messages. They are not replayed after a
   * reconnect: pair with onConnect to re-read the list.
   */
  onNotification(handler: NotificationHandler): () => void {
    this.notificationHandlers.add(handler);
    return () => this.notificationHandlers.delete(handler);
  }

  /**
   * Called after every (re)connection, once ticket rejoins are sent, and
   * whenever the client suspects it missed events (back online, tab visible
   * again): the place to re-read anything not covered by a ticket join.
   */
  onConnect(handler: () => void): () => void {
    this.connectHandlers.add(handler);
    return () => this.connectHandlers.delete(handler);
  }

  /**
   * Called after every successful join of a ticket by this tab's socket (the
   * first and each rejoin after a reconnect): the server counts the socket as
   * a viewer from then on, so presence re-announces its state here.
   */
  onJoined(handler: (ticketId: string) => void): () => void {
    this.joinedHandlers.add(handler);
    return () => this.joinedHandlers.delete(handler);
  }

  /** Receive presence (who is on a joined ticket; for staff, ticket-list summaries). */
  onPresence(handler: PresenceHandler): () => void {
    this.presenceHandlers.add(handler);
    return () => this.presenceHandlers.delete(handler);
  }

  /**
   * Send presence state for a joined ticket, only while connected: a beat
   * buffered through an outage would be stale, and every rejoin re-announces.
   */
  sendPresence(update: TPresenceUpdate): void {
    if (this.socket?.connected) this.socket.emit("presence:update", update);
  }

  /** Who views each of `ticketIds` (staff only; FORBIDDEN for others). */
  async listPresence(ticketIds: string[]): Promise<PresenceListAck> {
    const socket = this.socket;
    if (!socket?.connected) return { ok: false, error: { code: "UNAVAILABLE", message: "Not connected to the server" } };
    try {
      return await socket.timeout(JOIN_TIMEOUT_MS).emitWithAck("presence:list", { ticketIds });
    } catch {
      return { ok: false, error: { code: "TIMEOUT", message: "The server did not answer in time" } };
    }
  }

  /**
   * Join a ticket's room now (if connected) and after every reconnect.
   * Returns the matching leave function.
   */
  joinTicket(ticketId: string, options: JoinOptions): () => void {
    let registrations = this.joins.get(ticketId);
    if (!registrations) {
      registrations = new Set();
      this.joins.set(ticketId, registrations);
    }
    registrations.add(options);
    if (this.socket?.connected) this.sendJoin(ticketId, options);

    return () => {
      const set = this.joins.get(ticketId);
      if (!set?.delete(options) || set.size > 0) return;
      this.joins.delete(ticketId);
      if (this.socket?.connected) this.socket.emit("ticket:leave", { ticketId });
    };
  }

  /**
   * (Re)join every registered ticket with its highest applied seq, then tell
   * connect listeners to catch up. Replays are deduplicated by seq, so extra
   * calls cost a round trip and change nothing.
   */
  /**
   * The admin realtime probe: the server's legs (database, Redis) and the
   * time until its echo came back to this socket through the adapter, or
   * null when it did not within 5 s.
   */
  async probe(): Promise<{ ack: ProbeAck; totalMs: number | null }> {
    const socket = this.socket;
    if (!socket?.connected) return { ack: { ok: false, error: { code: "UNAVAILABLE", message: "Not connected to the server" } }, totalMs: null };
    const probeId = newIdempotencyKey();
    const started = performance.now();
    const echoed = new Promise<number | null>((resolve) => {
      const onEcho = (echo: ProbeEcho) => {
        if (echo.probeId !== probeId) return;
        clearTimeout(timer);
        socket.off("admin:probe:echo", onEcho);
        resolve(Math.round(performance.now() - started));
      };
      const timer = setTimeout(() => {
        socket.off("admin:probe:echo", onEcho);
        resolve(null);
      }, 5000);
      socket.on("admin:probe:echo", onEcho);
    });
    let ack: ProbeAck;
    try {
      ack = await socket.timeout(JOIN_TIMEOUT_MS).emitWithAck("admin:probe", { probeId });
    } catch {
      ack = { ok: false, error: { code: "TIMEOUT", message: "The server did not answer in time" } };
    }
    return { ack, totalMs: ack.ok ? await echoed : null };
  }

  /**
   * A ticket list is shown: receive comments on every ticket the user may
   * see (rows move and turn unread), now and after every reconnect.
   * Returns the matching unwatch.
   */
  watchLists(): () => void {
    if (this.listWatchers++ === 0 && this.socket?.connected) this.socket.emit("lists:watch", {});
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.listWatchers === 0 && this.socket?.connected) this.socket.emit("lists:unwatch", {});
    };
  }

  private resync(): void {
    if (this.listWatchers > 0) this.socket?.emit("lists:watch", {});
    for (const [ticketId, registrations] of this.joins) {
      for (const options of registrations) this.sendJoin(ticketId, options);
    }
    for (const handler of this.connectHandlers) handler();
  }

  private sendJoin(ticketId: string, options: JoinOptions, attempt = 0): void {
    const socket = this.socket;
    if (!socket) return;
    const current = () => this.socket === socket && socket.connected && this.joins.get(ticketId)?.has(options);
    socket.timeout(JOIN_TIMEOUT_MS).emit(
      "ticket:join",
      { ticketId, sinceSeq: Math.max(0, options.sinceSeq()), ...(options.audience ? { audience: options.audience } : {}) },
      async (err: Error | null, ack: TicketJoinAck) => {
        // Ignore answers for registrations that left or sockets that were replaced meanwhile.
        if (this.socket !== socket || !this.joins.get(ticketId)?.has(options)) return;
        const result: TicketJoinAck = err
          ? { ok: false, error: { code: "TIMEOUT", message: "The server did not answer in time" } }
          : ack;
        try {
          await options.onAck(result);
        } catch (e) {
          console.error("[tandem] join handler failed", e);
        }
        if (result.ok) for (const handler of this.joinedHandlers) handler(ticketId);
        if (result.ok || FINAL_JOIN_ERRORS.has(result.error.code) || !current()) return;
        // Not in the room, so live events would pass this page by: keep trying
        // while connected (a reconnect re-joins anyway and clears these timers).
        const delay = Math.min(JOIN_RETRY_MAX_MS, JOIN_RETRY_MIN_MS * 2 ** attempt);
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          if (current()) this.sendJoin(ticketId, options, attempt + 1);
        }, delay);
        this.retryTimers.add(timer);
      },
    );
  }

  private clearRetries(): void {
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  private emitLocal(event: AnyTicketEvent): void {
    for (const handler of this.eventHandlers) {
      try {
        handler(event);
      } catch (e) {
        console.error("[tandem] realtime handler failed", event.type, e);
      }
    }
  }

  private emitNotification(message: NotificationMessage): void {
    for (const handler of this.notificationHandlers) {
      try {
        handler(message);
      } catch (e) {
        console.error("[tandem] notification handler failed", message.type, e);
      }
    }
  }

  private setState(next: ConnectionState): void {
    if (next === this.current) return;
    if (next === "connected") this.ended = false;
    this.current = next;
    this.notifyState();
  }

  private notifyState(): void {
    for (const listener of this.stateListeners) listener();
  }
}
