"use client";

import { useRef, useState } from "react";
import { useHydrated } from "../../hooks/use-hydrated";
import type { TicketDTO, UserRef } from "../../shared/dto";
import {
  closeOrReopen,
  PRIORITY_LABELS,
  STATUS_LABELS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  type TicketPriority,
  type TicketStatus,
} from "../../shared/enums";
import { ZUpdateTicket } from "../../shared/schemas/tickets";
import { ApiError, apiFetch, errorMessage } from "../../client/api-client";
import { useConnectionState, useOnConnect } from "../../client/realtime-provider";
import { PriorityBadge, StatusBadge } from "./badges";
import { EnumOptions } from "../ui/enum-options";

type Editable = { status: TicketStatus; priority: TicketPriority; assigneeId: string | null };

export const CONFLICT_MESSAGE = "This ticket was changed by someone else. The latest version is shown now; try again if still needed.";

const FIELD_NAMES: Record<keyof Editable, string> = { status: "status", priority: "priority", assigneeId: "assignee" };

/** A field's value on a ticket, comparable across snapshots. */
function valueOf(ticket: TicketDTO, field: keyof Editable): string | null {
  return field === "assigneeId" ? (ticket.assignee?.id ?? null) : ticket[field];
}

/** A field's value as people read it. */
function readable(field: keyof Editable, value: string | null, staff: UserRef[]): string {
  if (field === "status") return STATUS_LABELS[value as TicketStatus];
  if (field === "priority") return PRIORITY_LABELS[value as TicketPriority];
  return value === null ? "nobody" : (staff.find((u) => u.id === value)?.name ?? "someone else");
}

/** Keys that step a closed select's value (each step fires `change` in Chromium and on Windows). */
const STEP_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"]);

/**
 * Status, priority and assignee. Staff get selects that PATCH with the
 * version they last saw; requesters see the values read-only.
 *
 * A choice made with the pointer (or in the open list) saves at once. One
 * made by stepping through a closed select with the keyboard saves on Enter
 * or when focus leaves: going from Open to Resolved must not record every
 * status in between (WCAG 3.2.2).
 */
export function TicketFields({
  ticket,
  staff,
  canEdit,
  canCloseOwn = false,
  onTicket,
  onConflict,
}: {
  ticket: TicketDTO;
  staff: UserRef[];
  canEdit: boolean;
  /** The requester of this ticket, without staff rights: may close and reopen it. */
  canCloseOwn?: boolean;
  onTicket: (ticket: TicketDTO) => void;
  onConflict: () => Promise<void>;
}) {
  const [pending, setPending] = useState<Partial<Editable> | null>(null);
  const [draft, setDraft] = useState<Partial<Editable> | null>(null);
  // `network`: the failure was the connection's, so it is over once the connection is back.
  const [failure, setFailure] = useState<{ message: string; network: boolean } | null>(null);
  const setError = (message: string | null, network = false) => setFailure(message === null ? null : { message, network });
  const error = failure?.message ?? null;
  const stepping = useRef(false);
  const offline = useConnectionState() === "offline";
  useOnConnect(() => setFailure((f) => (f?.network ? null : f)));
  // Before hydration a choice would show, then be reverted when React takes
  // the select over, unsaved: the selects wait for the page (use-hydrated.ts).
  const hydrated = useHydrated();

  if (!canEdit) {
    return (
      <>
      <dl className="fields">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={ticket.status} />
          </dd>
        </div>
        <div>
          <dt>Priority</dt>
          <dd>
            <PriorityBadge priority={ticket.priority} />
          </dd>
        </div>
        <div>
          <dt>Assignee</dt>
          <dd>{ticket.assignee?.name ?? <span className="muted">Unassigned</span>}</dd>
        </div>
      </dl>
      {canCloseOwn && <CloseOrReopen ticket={ticket} onTicket={onTicket} onConflict={onConflict} />}
      </>
    );
  }

  async function change(patch: Partial<Editable>) {
    // One change at a time: the next one needs the version this one returns.
    if (pending) return;
    // Offline, nothing would be saved: say so instead of a select that silently snaps back.
    if (offline) {
      setError("You are offline: this change was not saved. Try again when you are back online.", true);
      return;
    }
    const parsed = ZUpdateTicket.safeParse({ ...patch, version: ticket.version });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? "Invalid change");
      return;
    }
    setPending(patch);
    setError(null);
    const seen = ticket;
    try {
      onTicket(await apiFetch<TicketDTO>(`/api/tickets/${ticket.id}`, { method: "PATCH", json: parsed.data }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        // Someone changed the ticket since this page's version. Changes to
        // other fields than this one do not clash with it: it is made again,
        // once, on the latest version. A change to this same field wins,
        // and the message says what it is now and what was not saved.
        const latest = await apiFetch<TicketDTO>(`/api/tickets/${ticket.id}`).catch(() => null);
        if (latest) {
          const fields = Object.keys(patch) as (keyof Editable)[];
          const clash = fields.find((f) => valueOf(latest, f) !== valueOf(seen, f));
          if (!clash) {
            try {
              onTicket(await apiFetch<TicketDTO>(`/api/tickets/${ticket.id}`, { method: "PATCH", json: { ...parsed.data, version: latest.version } }));
              return;
            } catch (again) {
              if (!(again instanceof ApiError && again.status === 409)) {
                onTicket(latest);
                setError(`Not saved: ${errorMessage(again)}`, !(again instanceof ApiError));
                return;
              }
            }
          } else {
            onTicket(latest);
            const chosen = patch[clash] === undefined ? null : (patch[clash] as string | null);
            setError(
              `Someone else set the ${FIELD_NAMES[clash]} to ${readable(clash, valueOf(latest, clash), staff)} just now, so your choice (${readable(clash, chosen, staff)}) was not saved. Choose again if still needed.`,
            );
            return;
          }
        }
        setError(CONFLICT_MESSAGE);
        await onConflict().catch(() => {});
      } else {
        // The select shows the saved value again; the message says the choice was not kept.
        setError(`Not saved: ${errorMessage(e)}`, !(e instanceof ApiError));
      }
    } finally {
      setPending(null);
    }
  }

  function choose(patch: Partial<Editable>) {
    if (stepping.current) setDraft(patch);
    else {
      setDraft(null);
      void change(patch);
    }
  }

  function commitDraft() {
    stepping.current = false;
    if (!draft) return;
    setDraft(null);
    void change(draft);
  }

  /** Keyboard and focus handling shared by the three selects. */
  const selectProps = {
    disabled: !hydrated,
    onKeyDown: (e: React.KeyboardEvent<HTMLSelectElement>) => {
      if (e.key === "Enter") {
        e.preventDefault();
        commitDraft();
      } else if (e.key === "Escape" && draft) {
        stepping.current = false;
        setDraft(null);
      } else {
        // Space and Alt+Down open the list instead; a choice made there saves at once.
        stepping.current = !e.altKey && (STEP_KEYS.has(e.key) || (e.key.length === 1 && e.key !== " "));
      }
    },
    onPointerDown: () => {
      stepping.current = false;
    },
    onBlur: commitDraft,
    // aria-disabled rather than disabled: a disabled control drops keyboard focus.
    "aria-disabled": pending !== null || offline || undefined,
  };

  const shown = { ...pending, ...draft };
  const status = shown.status ?? ticket.status;
  const priority = shown.priority ?? ticket.priority;
  const assigneeId = "assigneeId" in shown ? (shown.assigneeId ?? null) : (ticket.assignee?.id ?? null);
  // A deactivated assignee is no longer in the staff list but still shown.
  const options = ticket.assignee && !staff.some((s) => s.id === ticket.assignee?.id) ? [...staff, ticket.assignee] : staff;
  return (
    <div className="fields fields--edit" aria-busy={pending !== null}>
      {error && (
        <p role="alert" className="alert alert--warning">
          {error}
        </p>
      )}
      <div className="field">
        <label htmlFor="ticket-status">Status</label>
        <select
          id="ticket-status"
          value={status}
          {...selectProps}
          onChange={(e) => choose({ status: e.target.value as TicketStatus })}
        >
          <EnumOptions values={TICKET_STATUSES} labels={STATUS_LABELS} />
        </select>
      </div>
      <div className="field">
        <label htmlFor="ticket-priority">Priority</label>
        <select
          id="ticket-priority"
          value={priority}
          {...selectProps}
          onChange={(e) => choose({ priority: e.target.value as TicketPriority })}
        >
          <EnumOptions values={TICKET_PRIORITIES} labels={PRIORITY_LABELS} />
        </select>
      </div>
      <div className="field">
        <label htmlFor="ticket-assignee">Assignee</label>
        <select
          id="ticket-assignee"
          value={assigneeId ?? ""}
          {...selectProps}
          onChange={(e) => choose({ assigneeId: e.target.value || null })}
        >
          <option value="">Unassigned</option>
          {options.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

/** A requester's "Close ticket" / "Reopen ticket" button (PATCH status with the version they saw). */
function CloseOrReopen({ ticket, onTicket, onConflict }: { ticket: TicketDTO; onTicket: (t: TicketDTO) => void; onConflict: () => Promise<void> }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hydrated = useHydrated();
  const to = closeOrReopen(ticket.status);
  return (
    <div>
      <button
        type="button"
        className="button"
        disabled={pending || !hydrated}
        onClick={async () => {
          setPending(true);
          setError(null);
          try {
            onTicket(await apiFetch<TicketDTO>(`/api/tickets/${ticket.id}`, { method: "PATCH", json: { status: to, version: ticket.version } }));
          } catch (e) {
            if (e instanceof ApiError && e.status === 409) {
              setError(CONFLICT_MESSAGE);
              await onConflict().catch(() => {});
            } else setError(`Not saved: ${errorMessage(e)}`);
          } finally {
            setPending(false);
          }
        }}
      >
        {to === "CLOSED" ? "Close ticket" : "Reopen ticket"}
      </button>
      <p role="status" aria-live="polite" className="field__error">
        {error}
      </p>
    </div>
  );
}
