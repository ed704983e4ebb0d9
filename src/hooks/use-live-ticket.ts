"use client";

import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { apiFetch } from "../components/lib/api-client";
import { useRealtimeClient, useTicketEvents } from "../components/realtime/realtime-provider";
import type { TicketDTO } from "../shared/dto";
import type { AnyTicketEvent, TicketJoinAck } from "../shared/realtime";
import { type TicketAction, type TicketState, ticketReducer } from "./ticket-state";

/** The server's cap on one replay; a full page may mean more remain. */
const REPLAY_PAGE = 500;
/** Bound on HTTP catch-up pages before giving up and asking for a reload. */
const MAX_CATCH_UP_PAGES = 20;

type EventsPage = { seq: number; items: AnyTicketEvent[]; truncated: boolean };

export type LiveTicket = {
  state: TicketState;
  dispatch: (action: TicketAction) => void;
  /** Fetch the ticket and any missed events over HTTP (after a 409, or when the socket cannot). */
  refresh: () => Promise<void>;
  /** Set when the ticket cannot be followed live (e.g. access was revoked). */
  liveError: string | null;
};

/**
 * Keep a ticket page in sync: join the ticket's room (re-joined automatically
 * after every reconnect with the highest seq applied, so the server replays
 * what was missed) and apply every event exactly once.
 */
export function useLiveTicket(initial: TicketState): LiveTicket {
  const [state, dispatch] = useReducer(ticketReducer, initial);
  const [liveError, setLiveError] = useState<string | null>(null);
  const client = useRealtimeClient();
  const ticketId = initial.ticket.id;

  // Mirrors of state for socket callbacks, which outlive renders.
  const seqRef = useRef(initial.seq);
  useEffect(() => {
    seqRef.current = state.seq;
  }, [state.seq]);

  // While a join is in flight, live events are held back: applying a newer
  // one first would make the replayed older ones look like duplicates.
  const joiningRef = useRef(false);
  const bufferRef = useRef<AnyTicketEvent[]>([]);

  const applyEvents = useCallback((events: AnyTicketEvent[]) => {
    if (events.length === 0) return;
    // Advance the mirror now: a rejoin may read it before React re-renders.
    seqRef.current = Math.max(seqRef.current, ...events.map((e) => e.seq));
    dispatch({ type: "events", events });
  }, []);

  /** Pull events after the highest applied seq over HTTP, page by page. */
  const catchUp = useCallback(async () => {
    let after = seqRef.current;
    for (let i = 0; i < MAX_CATCH_UP_PAGES; i++) {
      const page = await apiFetch<EventsPage>(`/api/tickets/${encodeURIComponent(ticketId)}/events?after=${after}`);
      const last = page.items.at(-1)?.seq ?? after;
      applyEvents(page.items);
      if (!page.truncated || last <= after) return;
      after = last;
    }
    setLiveError("This ticket has too much new activity to catch up with. Reload the page.");
  }, [applyEvents, ticketId]);

  const flushBuffer = useCallback(() => {
    joiningRef.current = false;
    const buffered = bufferRef.current;
    bufferRef.current = [];
    applyEvents(buffered);
  }, [applyEvents]);

  const onAck = useCallback(async (ack: TicketJoinAck) => {
    if (ack.ok) {
      setLiveError(null);
      applyEvents(ack.missed);
      // A full replay page may have been cut short: fetch the rest over HTTP.
      if (ack.missed.length >= REPLAY_PAGE) await catchUp().catch(() => {});
      flushBuffer();
      return;
    }
    if (ack.error.code === "NOT_FOUND" || ack.error.code === "FORBIDDEN") {
      setLiveError("This ticket is no longer available to you.");
      flushBuffer();
      return;
    }
    // The socket could not join (timeout, rate limit…): fall back to HTTP for
    // what was missed; the next reconnect tries joining again.
    await catchUp().catch(() => {});
    flushBuffer();
  }, [applyEvents, catchUp, flushBuffer]);

  useTicketEvents((event) => {
    if (event.ticketId !== ticketId) return;
    if (joiningRef.current) bufferRef.current.push(event);
    else applyEvents([event]);
  });

  useEffect(() => {
    if (!client) return;
    return client.joinTicket(ticketId, {
      sinceSeq: () => {
        joiningRef.current = true;
        return seqRef.current;
      },
      onAck: (ack) => void onAck(ack),
    });
  }, [client, ticketId, onAck]);

  const refresh = useCallback(async () => {
    const ticket = await apiFetch<TicketDTO>(`/api/tickets/${encodeURIComponent(ticketId)}`);
    dispatch({ type: "ticket", ticket });
    await catchUp();
  }, [catchUp, ticketId]);

  return { state, dispatch, refresh, liveError };
}
