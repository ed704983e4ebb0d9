"use client";

import { useState } from "react";
import type { TicketDTO, UserRef } from "../../shared/dto";
import { PRIORITY_LABELS, STATUS_LABELS, TICKET_PRIORITIES, TICKET_STATUSES, type TicketPriority, type TicketStatus } from "../../shared/enums";
import { apiFetch, errorMessage } from "../../client/api-client";
import { EnumOptions } from "../ui/enum-options";
import { parseTagInput } from "../../shared/schemas/tags";

type Change = { status?: TicketStatus; priority?: TicketPriority; assigneeId?: string | null };
type Outcome = { ticket: TicketDTO; ok: true } | { ticket: TicketDTO; ok: false; error: string };

/** Requests in flight at once: enough to be quick, few enough to leave the server (and its rate limits) room. */
const PARALLEL = 4;

/**
 * Change the selected tickets: each one on its own requests (PATCH without a
 * version: "make it so now"; tags as add/remove operations), so one failure
 * (a ticket gone, a limit) stops nothing else and is reported against its own
 * ticket, with progress.
 */
export function BulkBar({ selected, staff, onDone }: { selected: TicketDTO[]; staff: UserRef[]; onDone: (succeeded: string[]) => void }) {
  const [status, setStatus] = useState("");
  const [priority, setPriority] = useState("");
  const [assignee, setAssignee] = useState("");
  const [addTags, setAddTags] = useState("");
  const [removeTags, setRemoveTags] = useState("");
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);

  const change: Change = {
    ...(status ? { status: status as TicketStatus } : {}),
    ...(priority ? { priority: priority as TicketPriority } : {}),
    ...(assignee ? { assigneeId: assignee === "none" ? null : assignee } : {}),
  };
  const adding = parseTagInput(addTags);
  const removing = parseTagInput(removeTags);
  const tagProblem = adding.problem ?? removing.problem ?? (adding.names.some((n) => removing.names.includes(n)) ? "A tag cannot be added and removed at once" : null);
  const tagOps = { ...(adding.names.length ? { add: adding.names } : {}), ...(removing.names.length ? { remove: removing.names } : {}) };
  const changesFields = Object.keys(change).length > 0;
  const changesTags = Object.keys(tagOps).length > 0;
  const empty = !changesFields && !changesTags;

  async function apply() {
    if (empty || selected.length === 0 || progress || tagProblem) return;
    const queue = [...selected];
    const results: Outcome[] = [];
    setOutcomes([]);
    setProgress({ done: 0, total: queue.length });
    async function worker() {
      for (let ticket = queue.shift(); ticket; ticket = queue.shift()) {
        let fieldsChanged = false;
        try {
          const id = encodeURIComponent(ticket.id);
          if (changesFields) {
            await apiFetch(`/api/tickets/${id}`, { method: "PATCH", json: change });
            fieldsChanged = true;
          }
          if (changesTags) await apiFetch(`/api/tickets/${id}/tags`, { method: "POST", json: tagOps, repeatable: true });
          results.push({ ticket, ok: true });
        } catch (e) {
          // Half done is said as such: its fields changed, its tags did not
          // (applying again is safe: both requests say what to be, not what to toggle).
          results.push({ ticket, ok: false, error: fieldsChanged ? `changed, but not its tags: ${errorMessage(e)}` : errorMessage(e) });
        }
        setProgress({ done: results.length, total: selected.length });
      }
    }
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
    setOutcomes(results);
    setProgress(null);
    onDone(results.filter((r) => r.ok).map((r) => r.ticket.id));
  }

  const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
  const succeeded = outcomes.length - failed.length;
  return (
    <section className="bulk-bar" aria-label="Bulk actions">
      <strong>{selected.length} selected</strong>
      <label>
        Assign to{" "}
        <select value={assignee} onChange={(e) => setAssignee(e.target.value)}>
          <option value="">(keep)</option>
          <option value="none">Unassigned</option>
          {staff.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Set status{" "}
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">(keep)</option>
          <EnumOptions values={TICKET_STATUSES} labels={STATUS_LABELS} />
        </select>
      </label>
      <label>
        Set priority{" "}
        <select value={priority} onChange={(e) => setPriority(e.target.value)}>
          <option value="">(keep)</option>
          <EnumOptions values={TICKET_PRIORITIES} labels={PRIORITY_LABELS} />
        </select>
      </label>
      {/* The bar is for staff only (the list offers selection to staff), who may tag. */}
      <label>
        Add tags <input type="text" value={addTags} onChange={(e) => setAddTags(e.target.value)} placeholder="billing, vip" maxLength={400} autoComplete="off" />
      </label>
      <label>
        Remove tags <input type="text" value={removeTags} onChange={(e) => setRemoveTags(e.target.value)} maxLength={400} autoComplete="off" />
      </label>
      {tagProblem && (
        <p role="alert" className="field__error">
          {tagProblem}
        </p>
      )}
      <button type="button" className="button button--primary" aria-disabled={empty || selected.length === 0 || progress !== null || tagProblem !== null || undefined} onClick={() => void apply()}>
        Apply to {selected.length}
      </button>
      <p role="status" className="muted small bulk-bar__status">
        {progress ? `Applying… ${progress.done} of ${progress.total}` : outcomes.length ? `Done: ${succeeded} changed${failed.length ? `, ${failed.length} failed` : ""}.` : ""}
      </p>
      {failed.length > 0 && (
        <ul role="alert" className="alert alert--error bulk-bar__failures">
          {failed.map((f) => (
            <li key={f.ticket.id}>
              #{f.ticket.number} {f.ticket.title}: {f.error}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
