"use client";

import { useState } from "react";
import type { TicketDTO, UserRef } from "../../shared/dto";
import {
  PRIORITY_LABELS,
  STATUS_LABELS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  type TicketPriority,
  type TicketStatus,
} from "../../shared/enums";
import { ZUpdateTicket } from "../../shared/schemas/tickets";
import { ApiError, apiFetch, errorMessage } from "../lib/api-client";
import { PriorityBadge, StatusBadge } from "./badges";
import { EnumOptions } from "../ui/enum-options";

type Editable = { status: TicketStatus; priority: TicketPriority; assigneeId: string | null };

export const CONFLICT_MESSAGE = "This ticket was changed by someone else. The latest version is shown now; try again if still needed.";

/**
 * Status, priority and assignee. Staff get selects that PATCH at once with the
 * version they last saw; requesters see the values read-only.
 */
export function TicketFields({
  ticket,
  staff,
  canEdit,
  onTicket,
  onConflict,
}: {
  ticket: TicketDTO;
  staff: UserRef[];
  canEdit: boolean;
  onTicket: (ticket: TicketDTO) => void;
  onConflict: () => Promise<void>;
}) {
  const [pending, setPending] = useState<Partial<Editable> | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (!canEdit) {
    return (
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
    );
  }

  async function change(patch: Partial<Editable>) {
    // One change at a time: the next one needs the version this one returns.
    if (pending) return;
    const parsed = ZUpdateTicket.safeParse({ ...patch, version: ticket.version });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? "Invalid change");
      return;
    }
    setPending(patch);
    setError(null);
    try {
      onTicket(await apiFetch<TicketDTO>(`/api/tickets/${ticket.id}`, { method: "PATCH", json: parsed.data }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        setError(CONFLICT_MESSAGE);
        await onConflict().catch(() => {});
      } else {
        setError(errorMessage(e));
      }
    } finally {
      setPending(null);
    }
  }

  const status = pending?.status ?? ticket.status;
  const priority = pending?.priority ?? ticket.priority;
  const assigneeId = pending && "assigneeId" in pending ? pending.assigneeId : (ticket.assignee?.id ?? null);
  // A deactivated assignee is no longer in the staff list but still shown.
  const options = ticket.assignee && !staff.some((s) => s.id === ticket.assignee?.id) ? [...staff, ticket.assignee] : staff;
  // aria-disabled rather than disabled: a disabled control drops keyboard focus.
  const busy = pending !== null;

  return (
    <div className="fields fields--edit" aria-busy={busy}>
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
          aria-disabled={busy || undefined}
          onChange={(e) => change({ status: e.target.value as TicketStatus })}
        >
          <EnumOptions values={TICKET_STATUSES} labels={STATUS_LABELS} />
        </select>
      </div>
      <div className="field">
        <label htmlFor="ticket-priority">Priority</label>
        <select
          id="ticket-priority"
          value={priority}
          aria-disabled={busy || undefined}
          onChange={(e) => change({ priority: e.target.value as TicketPriority })}
        >
          <EnumOptions values={TICKET_PRIORITIES} labels={PRIORITY_LABELS} />
        </select>
      </div>
      <div className="field">
        <label htmlFor="ticket-assignee">Assignee</label>
        <select
          id="ticket-assignee"
          value={assigneeId ?? ""}
          aria-disabled={busy || undefined}
          onChange={(e) => change({ assigneeId: e.target.value || null })}
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
