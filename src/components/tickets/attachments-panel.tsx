"use client";

import { useId, useState } from "react";
import type { AttachmentDTO } from "../../shared/dto";
import { apiFetch, errorMessage } from "../../client/api-client";
import { formatBytes } from "../lib/format";
import { TimeAgo } from "../ui/time-ago";
import { useHydrated } from "../../hooks/use-hydrated";

/**
 * Files on the ticket, with download links and an upload control. A file
 * added here is the ticket's own and everyone on it sees it: staff are told
 * so beside the control, and see which files are staff only (those of
 * internal notes). A file meant for staff goes with an internal note.
 */
export function AttachmentsPanel({
  ticketId,
  attachments,
  onAttachment,
  writesInternal = false,
}: {
  ticketId: string;
  attachments: AttachmentDTO[];
  onAttachment: (attachment: AttachmentDTO) => void;
  /** The viewer writes internal notes (staff): say who sees what. */
  writesInternal?: boolean;
}) {
  const inputId = useId();
  // Several uploads may run at once (pick a file, then another): track them all.
  const [uploading, setUploading] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const hydrated = useHydrated();

  async function upload(input: HTMLInputElement) {
    const file = input.files?.[0];
    if (!file) return;
    setError(null);
    setUploading((names) => [...names, file.name]);
    const form = new FormData();
    form.append("file", file);
    try {
      onAttachment(await apiFetch<AttachmentDTO>(`/api/tickets/${ticketId}/attachments`, { method: "POST", body: form }));
    } catch (e) {
      // 413 carries the server's limit in its message ("… larger than 10 MB").
      setError(`Could not upload “${file.name}”: ${errorMessage(e)}`);
    } finally {
      setUploading((names) => {
        const i = names.indexOf(file.name);
        return i < 0 ? names : [...names.slice(0, i), ...names.slice(i + 1)];
      });
      // Allow picking the same file again after an error.
      input.value = "";
    }
  }

  return (
    <div className="attachments">
      {attachments.length === 0 ? (
        <p className="muted empty">No attachments.</p>
      ) : (
        <ul className="attachment-list">
          {attachments.map((a) => (
            <li key={a.id}>
              <a href={a.url} download={a.originalName} className="attachment-list__name">
                {a.originalName}
              </a>
              {writesInternal && a.internal && <span className="tag tag--internal">Staff only</span>}
              <span className="muted small">
                {formatBytes(a.size)} · {a.uploader.name} · <TimeAgo iso={a.createdAt} />
              </span>
            </li>
          ))}
        </ul>
      )}
      <div className="field">
        <label htmlFor={inputId}>Attach file</label>
        <input
          id={inputId}
          type="file"
          // A file picked before hydration would never upload: the picker waits for the page.
          disabled={!hydrated}
          aria-describedby={[writesInternal ? `${inputId}-hint` : "", error ? `${inputId}-error` : ""].filter(Boolean).join(" ") || undefined}
          onChange={(e) => void upload(e.currentTarget)}
        />
        {writesInternal && (
          <p id={`${inputId}-hint`} className="muted small">
            The requester sees files attached here. For staff only, add them to an internal note.
          </p>
        )}
      </div>
      <p className="muted small" aria-live="polite">
        {uploading.length > 0 ? `Uploading ${uploading.join(", ")}…` : ""}
      </p>
      {error && (
        <p id={`${inputId}-error`} role="alert" className="alert alert--error">
          {error}
        </p>
      )}
    </div>
  );
}
