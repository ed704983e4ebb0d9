"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, apiFetch } from "../client/api-client";
import { useRealtimeClient, useTicketEvents } from "../client/realtime-provider";
import type { TicketDTO } from "../shared/dto";
import type { AnyTicketEvent, Audience, TicketJoinAck } from "../shared/realtime";
import { type TicketAction, type TicketState, ticketReducer } from "../client/ticket-state";

/** Shown when the user's role changed under the page (AUDIENCE_CHANGED): only a new page shows the ticket as they may see it now. */
export const AUDIENCE_CHANGED_TEXT = "What you may see of this ticket has changed. Reload the page.";

/** Bound on HTTP catch-up pages before giving up and asking for a reload. */
const MAX_CATCH_UP_PAGES = 20;
/**
 * How long a gap in the seqs may stay open before the page fetches it: long
 * enough for an event that is merely late (published by another process) to
 * arrive, short enough that a lost one shows up quickly.
 */
const GAP_WAIT_MS = 1500;

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
 * after every reconnect with the watermark, so the server replays what was
 * missed), apply every event exactly once in whatever order it arrives, and
 * fetch any gap that stays open (see ticket-state.ts).
 */
export function useLiveTicket(initial: TicketState, audience: Audience): LiveTicket {
  // The ref is the source of truth so socket callbacks, which outlive
  // renders, always read the current watermark; React state mirrors it.
  const stateRef = useRef(initial);
  const [state, setState] = useState(initial);
  const [liveError, setLiveError] = useState<string | null>(null);
  const client = useRealtimeClient();
  const ticketId = initial.ticket.id;

  const dispatch = useCallback((action: TicketAction) => {
    const next = ticketReducer(stateRef.current, action);
    if (next === stateRef.current) return;
    stateRef.current = next;
    setState(next);
  }, []);

  /** Pull every event after the watermark over HTTP, page by page. */
  const catchUp = useCallback(async () => {
    for (let i = 0; i < MAX_CATCH_UP_PAGES; i++) {
      const after = stateRef.current.seq;
      const page = await apiFetch<EventsPage>(`/api/tickets/${encodeURIComponent(ticketId)}/events?after=${after}&audience=${audience}`);
      // A truncated page is complete up to its last event only.
      const upTo = page.truncated ? (page.items.at(-1)?.seq ?? after) : page.seq;
      dispatch({ type: "synced", events: page.items, seq: upTo });
      if (!page.truncated || upTo <= after) return;
    }
    setLiveError("This ticket has too much new activity to catch up with. Reload the page.");
  }, [audience, dispatch, ticketId]);

  // A catch-up refused because the role changed says so; other failures are retried by the next join.
  const whenAudienceChanged = useCallback((e: unknown) => {
    if (e instanceof ApiError && e.code === "AUDIENCE_CHANGED") setLiveError(AUDIENCE_CHANGED_TEXT);
  }, []);

  const onAck = useCallback(
    async (ack: TicketJoinAck) => {
      if (ack.ok) {
        setLiveError(null);
        dispatch({ type: "synced", events: ack.missed, seq: ack.seq });
        return;
      }
      if (ack.error.code === "NOT_FOUND" || ack.error.code === "FORBIDDEN") {
        setLiveError("This ticket is no longer available to you.");
        return;
      }
      if (ack.error.code === "AUDIENCE_CHANGED") {
        setLiveError(AUDIENCE_CHANGED_TEXT);
        return;
      }
      // Could not join (too far behind, timeout, rate limit…): fetch what was
      // missed over HTTP; the realtime client then tries joining again.
      await catchUp().catch(whenAudienceChanged);
    },
    [catchUp, dispatch, whenAudienceChanged],
  );

  useTicketEvents((event) => {
    if (event.ticketId === ticketId) dispatch({ type: "events", events: [event] });
  });

  useEffect(() => {
    if (!client) return;
    return client.joinTicket(ticketId, { sinceSeq: () => stateRef.current.seq, audience, onAck });
  }, [client, ticketId, audience, onAck]);

  // A gap that stays open means an event was lost (each user's numbering is
  // gap-free, internal notes included): fetch the range to close it.
  const gapAt = state.ahead.length > 0 ? state.seq : null;
  useEffect(() => {
    if (gapAt === null) return;
    const timer = setTimeout(() => void catchUp().catch(whenAudienceChanged), GAP_WAIT_MS);
    return () => clearTimeout(timer);
  }, [gapAt, catchUp, whenAudienceChanged]);

  const refresh = useCallback(async () => {
    const ticket = await apiFetch<TicketDTO>(`/api/tickets/${encodeURIComponent(ticketId)}`);
    dispatch({ type: "ticket", ticket });
    await catchUp();
  }, [catchUp, dispatch, ticketId]);

  return { state, dispatch, refresh, liveError };
}
