"use client";

import { createContext, useContext, useEffect, useEffectEvent, useState, useSyncExternalStore } from "react";
import type { AnyTicketEvent } from "../shared/realtime";
import { type ConnectionState, type MessageName, type MessageOf, type NotificationMessage, RealtimeClient } from "./realtime-client";

type RealtimeContextValue = { client: RealtimeClient | null };

const RealtimeContext = createContext<RealtimeContextValue>({ client: null });

const noSubscribe = () => () => {};
const offline = (): ConnectionState => "offline";
/** The server cannot know; render "Reconnecting…" until the client has decided. */
const serverState = (): ConnectionState => "reconnecting";

/**
 * Owns the tab's single Socket.IO connection. Rendered around the whole app;
 * `enabled` is false for signed-out visitors, who get no socket at all.
 */
export function RealtimeProvider({ enabled, children }: { enabled: boolean; children: React.ReactNode }) {
  // Constructing the client has no side effects (safe during SSR); the socket
  // is opened by the effect below and closed on unmount.
  const [client] = useState(() => (enabled ? new RealtimeClient() : null));

  useEffect(() => {
    if (!client) return;
    client.start();
    return () => client.stop();
  }, [client]);

  return <RealtimeContext.Provider value={{ client }}>{children}</RealtimeContext.Provider>;
}

/** The shared realtime client, or null when signed out. */
export function useRealtimeClient(): RealtimeClient | null {
  return useContext(RealtimeContext).client;
}

/** "connected" | "reconnecting" | "offline", re-rendering on every change. */
export function useConnectionState(): ConnectionState {
  const client = useRealtimeClient();
  return useSyncExternalStore(
    client ? client.subscribeState : noSubscribe,
    client ? client.getState : offline,
    client ? serverState : offline,
  );
}

/** True once the server refused this tab's session: live updates need a fresh sign-in. */
export function useSessionEnded(): boolean {
  const client = useRealtimeClient();
  return useSyncExternalStore(client ? client.subscribeState : noSubscribe, client ? client.getSessionEnded : never, never);
}

const never = () => false;

/** Run `handler` for every ticket event the socket receives, with the latest closure. */
export function useTicketEvents(handler: (event: AnyTicketEvent) => void): void {
  const client = useRealtimeClient();
  const onEvent = useEffectEvent(handler);
  useEffect(() => client?.onEvent((event) => onEvent(event)), [client]);
}

/** Run `handler` after every (re)connection of the shared socket. */
export function useOnConnect(handler: () => void): void {
  const client = useRealtimeClient();
  const onConnect = useEffectEvent(handler);
  useEffect(() => client?.onConnect(() => onConnect()), [client]);
}

/** Run `handler` for every server message `name` (drafts, read marks, …), with the latest closure. */
export function useRealtimeMessage<K extends MessageName>(name: K, handler: (payload: MessageOf<K>) => void): void {
  const client = useRealtimeClient();
  const onMessage = useEffectEvent(handler);
  useEffect(() => client?.on(name, (payload) => onMessage(payload)), [client, name]);
}

/** Run `handler` for every notification message of the signed-in user, with the latest closure. */
export function useNotificationMessages(handler: (message: NotificationMessage) => void): void {
  const client = useRealtimeClient();
  const onMessage = useEffectEvent(handler);
  useEffect(() => client?.onNotification((message) => onMessage(message)), [client]);
}
