"use client";

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { ComposingKind, PresenceTicket, PresenceViewer } from "../shared/realtime";
import { useConnectionState, useRealtimeClient } from "./realtime-provider";

/** No interaction for this long marks the tab idle (others see it, staff only). */
export const IDLE_AFTER_MS = 3 * 60_000;
/** While the user types, a typing beat goes out at most this often (the server forgets intent ~12 s after the last). */
export const TYPING_BEAT_MS = 3_000;

/** Viewers other than `myUserId` who are writing a public reply: for the comment form's collision warning. */
export function othersWritingReply(viewers: readonly PresenceViewer[], myUserId: string): PresenceViewer[] {
  return viewers.filter((v) => v.userId !== myUserId && v.composing === "reply");
}

/** A ticket's viewers as the server sent them: at most PRESENCE_VIEWERS_SHOWN listed, `total` counting all. */
export type PresenceGroup = Omit<PresenceTicket, "ticketId">;

/**
 * How many viewers other than `myUserId` the server counted but did not list
 * (it lists at most PRESENCE_VIEWERS_SHOWN), for "and N others". Staff views
 * (their viewers carry a role) count this user too when `meViewing` (they
 * have the ticket open), so an unlisted self is taken off; requesters' views
 * never count requesters. On a ticket list `meViewing` is unknown (another
 * tab may have the ticket open) and taken as false: the count can then be one
 * too many, only past the cap.
 */
export function othersNotListed(group: PresenceGroup, myUserId: string, meViewing: boolean): number {
  const missing = group.total - group.viewers.length;
  if (missing <= 0) return 0;
  const staffView = group.viewers.some((v) => v.role !== undefined);
  const meUnlisted = meViewing && staffView && !group.viewers.some((v) => v.userId === myUserId);
  return Math.max(0, missing - (meUnlisted ? 1 : 0));
}

/** Up to two initials for an avatar ("Ada Lovelace" → "AL"). */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words.at(-1)!] : words;
  return letters.map((w) => [...w][0]!.toUpperCase()).join("") || "?";
}

/** "{name} is writing a reply" / "{name} is writing an internal note", or null. */
export function typingLineOf(viewer: PresenceViewer): string | null {
  if (viewer.composing === "reply") return `${viewer.name} is writing a reply`;
  if (viewer.composing === "note") return `${viewer.name} is writing an internal note`;
  return null;
}

/**
 * Whether this tab is idle: no pointer, key, scroll or focus for
 * IDLE_AFTER_MS. Decided here, not by the server, which judges liveness by
 * the socket alone. Becoming visible or any interaction makes the tab active
 * at once; the check for going idle runs on a timer, which a background tab
 * may throttle to once a minute (late by up to a minute, which is harmless).
 */
const idleTracker = (() => {
  const listeners = new Set<() => void>();
  let idle = false;
  let lastActive = 0;
  let stop: (() => void) | null = null;
  const set = (next: boolean) => {
    if (next === idle) return;
    idle = next;
    for (const listener of listeners) listener();
  };
  const active = () => {
    lastActive = Date.now();
    set(false);
  };
  function start() {
    lastActive = Date.now();
    const events = ["pointerdown", "pointermove", "keydown", "wheel", "scroll", "focus", "touchstart"] as const;
    for (const e of events) window.addEventListener(e, active, { passive: true, capture: true });
    const onVisibility = () => {
      if (document.visibilityState === "visible") active();
    };
    document.addEventListener("visibilitychange", onVisibility);
    const timer = setInterval(() => set(Date.now() - lastActive >= IDLE_AFTER_MS), 15_000);
    stop = () => {
      for (const e of events) window.removeEventListener(e, active, { capture: true });
      document.removeEventListener("visibilitychange", onVisibility);
      clearInterval(timer);
      idle = false;
    };
  }
  return {
    subscribe(listener: () => void) {
      listeners.add(listener);
      if (listeners.size === 1) start();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          stop?.();
          stop = null;
        }
      };
    },
    get: () => idle,
  };
})();

const serverIdle = () => false;

/** True while this tab has seen no interaction for IDLE_AFTER_MS. */
export function useIdle(): boolean {
  return useSyncExternalStore(idleTracker.subscribe, idleTracker.get, serverIdle);
}

export type Presence = {
  /** Who is on the ticket as the server lets this user see them (this user included, for staff), capped; [] while disconnected. */
  viewers: PresenceViewer[];
  /** How many there are in all (viewers lists at most PRESENCE_VIEWERS_SHOWN); 0 while disconnected. */
  total: number;
  /**
   * Call on every change of the reply text: the kind being written, or null
   * once the text is empty or sent. Beats are throttled here.
   */
  setComposing: (kind: ComposingKind | null) => void;
};

/**
 * Presence on one ticket. The ticket page must also follow the ticket
 * (useLiveTicket joins it): the server counts this tab as a viewer from each
 * successful join, and this hook re-announces idle and typing state after
 * every (re)join, so a reconnect never loses them.
 */
export function usePresence(ticketId: string): Presence {
  const client = useRealtimeClient();
  const connection = useConnectionState();
  const idle = useIdle();
  const [group, setGroup] = useState<PresenceGroup>(EMPTY);
  const composing = useRef<{ kind: ComposingKind | null; beatAt: number }>({ kind: null, beatAt: 0 });
  const idleRef = useRef(idle);

  useEffect(() => {
    if (!client) return;
    const offPresence = client.onPresence((event, presence) => {
      if (event === "presence:ticket" && presence.ticketId === ticketId) setGroup({ viewers: presence.viewers, total: presence.total });
    });
    const offJoined = client.onJoined((joined) => {
      if (joined !== ticketId) return;
      const { kind } = composing.current;
      if (!idleRef.current && !kind) return; // what a fresh entry holds already
      composing.current.beatAt = Date.now();
      client.sendPresence({ ticketId, idle: idleRef.current, composing: kind });
    });
    return () => {
      offPresence();
      offJoined();
      if (composing.current.kind) client.sendPresence({ ticketId, composing: null });
      composing.current = { kind: null, beatAt: 0 };
    };
  }, [client, ticketId]);

  useEffect(() => {
    if (idleRef.current === idle) return;
    idleRef.current = idle;
    client?.sendPresence({ ticketId, idle });
  }, [client, ticketId, idle]);

  const setComposing = useCallback(
    (kind: ComposingKind | null) => {
      const current = composing.current;
      const now = Date.now();
      if (kind === current.kind && (kind === null || now - current.beatAt < TYPING_BEAT_MS)) return;
      composing.current = { kind, beatAt: now };
      client?.sendPresence({ ticketId, composing: kind });
    },
    [client, ticketId],
  );

  const shown = connection === "connected" ? group : EMPTY;
  return { viewers: shown.viewers, total: shown.total, setComposing };
}

const EMPTY: PresenceGroup = { viewers: [], total: 0 };

/**
 * A ticket list's viewers from the answer to `presence:list`, with the
 * summaries that arrived while it was asked for applied on top: the answer
 * may have been read before them (presence lives in Redis with several
 * processes), and taken alone it put back who had already left.
 */
export function presenceAfterList(
  ack: { viewers: Record<string, PresenceViewer[]>; totals: Record<string, number> },
  since: ReadonlyMap<string, PresenceGroup>,
): Map<string, PresenceGroup> {
  const map = new Map<string, PresenceGroup>(Object.entries(ack.viewers).map(([id, viewers]) => [id, { viewers, total: ack.totals[id] ?? viewers.length }]));
  for (const [id, group] of since) map.set(id, group);
  return map;
}

/**
 * Who views each ticket of a staff member's ticket list, kept current: asked
 * once per (re)connection and whenever the rows change, then updated by the
 * staff room's `presence:summary`. Requesters are refused by the server and
 * get an empty map.
 */
export function useTicketListPresence(ticketIds: readonly string[]): ReadonlyMap<string, PresenceGroup> {
  const client = useRealtimeClient();
  const [byTicket, setByTicket] = useState<ReadonlyMap<string, PresenceGroup>>(() => new Map());
  const [refused, setRefused] = useState(false);
  const key = ticketIds.join(",");

  useEffect(() => {
    if (!client || refused) return;
    const ids = key ? key.split(",") : [];
    const wanted = new Set(ids);
    let current = true;
    // The summaries that arrive while a list is asked for (see presenceAfterList).
    const inFlight = new Set<Map<string, PresenceGroup>>();
    const ask = () => {
      if (ids.length === 0) return;
      const since = new Map<string, PresenceGroup>();
      inFlight.add(since);
      void client.listPresence(ids).then((ack) => {
        inFlight.delete(since);
        if (!current) return;
        if (ack.ok) setByTicket(presenceAfterList(ack, since));
        else if (ack.error.code === "FORBIDDEN") setRefused(true);
      });
    };
    const offPresence = client.onPresence((event, presence) => {
      if (event !== "presence:summary" || !wanted.has(presence.ticketId)) return;
      const group = { viewers: presence.viewers, total: presence.total };
      for (const since of inFlight) since.set(presence.ticketId, group);
      setByTicket((map) => new Map(map).set(presence.ticketId, group));
    });
    const offConnect = client.onConnect(ask);
    if (client.connected) ask();
    return () => {
      current = false;
      offPresence();
      offConnect();
    };
  }, [client, key, refused]);

  return byTicket;
}
