"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import type { TicketDTO } from "../../shared/dto";
import { PRIORITY_LABELS, type TicketPriority } from "../../shared/enums";
import { ZCreateTicket } from "../../shared/schemas/tickets";
import { ApiError, apiFetch, errorMessage, SendKey, zodFieldErrors } from "../../client/api-client";
import { EnumOptions } from "../ui/enum-options";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useHydrated } from "../../hooks/use-hydrated";
import { formatBytes } from "../lib/format";
import { FieldError, focusFirstInvalid, invalidProps } from "../ui/field-error";

type Fields = Record<string, string[]>;

/** Move focus to the first field with an error, so keyboard and screen-reader users land on it. */
function focusFirst(form: HTMLFormElement, fields: Fields) {
  focusFirstInvalid(form, ["title", "description", "priority", "files"], fields);
}

/**
 * Create a ticket, validated with the same schema as the API, then open it.
 * `priorities`: the ones this user may choose (from the policy and settings).
 */
export function NewTicketForm({ priorities, maxFileBytes }: { priorities: TicketPriority[]; /** MAX_UPLOAD_MB, in bytes. */ maxFileBytes: number }) {
  const router = useRouter();
  const [fields, setFields] = useState<Fields>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [files, setFiles] = useState<File[]>([]);
  const hydrated = useHydrated();
  /**
   * The ticket exists but some files did not attach: say which, link to it,
   * and make the button attach those again. Submitting the form again must
   * not create a second ticket (its Idempotency-Key was spent on the first).
   */
  const [partial, setPartial] = useState<{ ticket: TicketDTO; failed: Array<{ file: File; reason: string }> } | null>(null);

  /** Attach `list` to `ticket` one by one: the files that failed, with why. */
  async function attach(ticket: TicketDTO, list: File[]): Promise<Array<{ file: File; reason: string }>> {
    const failed: Array<{ file: File; reason: string }> = [];
    for (const file of list) {
      const upload = new FormData();
      upload.append("file", file, file.name);
      try {
        await apiFetch(`/api/tickets/${ticket.id}/attachments`, { method: "POST", body: upload });
      } catch (uploadError) {
        failed.push({ file, reason: errorMessage(uploadError) });
      }
    }
    return failed;
  }
  // Submitting again after a failure is a retry of the same ticket: same key, at most one ticket.
  const sendKey = useRef(new SendKey());

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending) return;
    if (partial) {
      // The ticket exists: only the files that failed are tried again.
      setPending(true);
      const failed = await attach(partial.ticket, partial.failed.map((f) => f.file));
      if (failed.length === 0) {
        router.push(`/tickets/${partial.ticket.id}`);
        return;
      }
      setPartial({ ticket: partial.ticket, failed });
      setPending(false);
      return;
    }
    const form = e.currentTarget;
    const data = new FormData(form);
    const parsed = ZCreateTicket.safeParse({
      title: data.get("title"),
      description: data.get("description"),
      priority: data.get("priority") || undefined,
    });
    // A file over the size limit would be refused only after the ticket was
    // created, and "Attach the files again" would retry it for nothing: said
    // before anything is sent.
    const tooLarge = files.find((f) => f.size > maxFileBytes);
    const errors = parsed.success ? {} : zodFieldErrors(parsed.error.issues);
    if (tooLarge) errors.files = [`${tooLarge.name} is ${formatBytes(tooLarge.size)}: files are at most ${formatBytes(maxFileBytes)}. Leave it out, or make it smaller.`];
    if (!parsed.success || tooLarge) {
      setFields(errors);
      setError(null);
      focusFirst(form, errors);
      return;
    }
    setFields({});
    setError(null);
    setPending(true);
    try {
      const ticket = await apiFetch<TicketDTO>("/api/tickets", {
        method: "POST",
        json: parsed.data,
        idempotencyKey: sendKey.current.for(parsed.data),
      });
      sendKey.current.done();
      // The ticket exists now: its files are attached to it one by one.
      const failed = await attach(ticket, files);
      if (failed.length > 0) {
        setPartial({ ticket, failed });
        setPending(false);
        return;
      }
      router.push(`/tickets/${ticket.id}`);
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length > 0) {
        setFields(err.fields);
        focusFirst(form, err.fields);
      }
      setError(errorMessage(err));
      setPending(false);
    }
  }

  const invalid = (name: string, hint?: string) => invalidProps(`new-${name}`, fields[name], hint);

  return (
    <ClientForm className="form" onSubmit={onSubmit} noValidate>
      {partial && (
        <div role="alert" className="alert alert--warning">
          <p>
            Ticket #{partial.ticket.number} was created, but these files could not be attached:{" "}
            {partial.failed.map((f) => `${f.file.name} (${f.reason})`).join(", ")}.
          </p>
          <p>
            Press <strong>Attach the files again</strong>, or <a href={`/tickets/${partial.ticket.id}`}>open the ticket</a> and attach them there.
          </p>
        </div>
      )}
      {error && (
        <p role="alert" className="alert alert--error">
          {error}
        </p>
      )}
      <div className="field">
        <label htmlFor="new-title">Title</label>
        <input
          id="new-title"
          name="title"
          type="text"
          maxLength={200}
          required
          autoFocus
          readOnly={partial !== null}
          {...invalid("title")}
        />
        <FieldError id="new-title-error" messages={fields.title} />
      </div>
      <div className="field">
        <label htmlFor="new-description">Description</label>
        <textarea
          id="new-description"
          name="description"
          rows={8}
          required
          readOnly={partial !== null}
          {...invalid("description", "new-description-hint")}
        />
        <p id="new-description-hint" className="muted small">
          What happened, what you expected, and anything that helps reproduce it.
        </p>
        <FieldError id="new-description-error" messages={fields.description} />
      </div>
      <div className="field field--narrow">
        <label htmlFor="new-priority">Priority</label>
        <select
          id="new-priority"
          name="priority"
          defaultValue={priorities.includes("MEDIUM") ? "MEDIUM" : priorities[0]}
          disabled={partial !== null}
          {...invalid("priority")}
        >
          <EnumOptions values={priorities} labels={PRIORITY_LABELS} />
        </select>
        <FieldError id="new-priority-error" messages={fields.priority} />
      </div>
      <div className="field">
        <label htmlFor="new-files">Files</label>
        <input
          id="new-files"
          name="files"
          type="file"
          multiple
          // Files picked before hydration would be left out of the ticket: the
          // picker waits for the page. Once the ticket exists, the button
          // retries the files that failed; others go on the ticket's page.
          disabled={!hydrated || partial !== null}
          {...invalid("files", "new-files-hint")}
          onChange={(e) => setFiles(Array.from(e.currentTarget.files ?? []))}
        />
        <p id="new-files-hint" className="muted small">
          Screenshots or logs that help (optional), up to {formatBytes(maxFileBytes)} each.
        </p>
        <FieldError id="new-files-error" messages={fields.files} />
      </div>
      <div className="form__actions">
        <SubmitButton className="button button--primary" aria-disabled={pending || undefined}>
          {partial ? (pending ? "Attaching…" : "Attach the files again") : pending ? (files.length ? "Creating and attaching…" : "Creating…") : "Create ticket"}
        </SubmitButton>
      </div>
    </ClientForm>
  );
}
