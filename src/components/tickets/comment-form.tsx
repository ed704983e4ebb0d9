"use client";

import { useRef, useState } from "react";
import type { CommentDTO } from "../../shared/dto";
import { ZCreateComment } from "../../shared/schemas/comments";
import { apiFetch, errorMessage, SendKey, zodFieldErrors } from "../../client/api-client";

/** The reply box; staff may mark a comment as an internal note. */
export function CommentForm({
  ticketId,
  canWriteInternal,
  onComment,
}: {
  ticketId: string;
  canWriteInternal: boolean;
  onComment: (comment: CommentDTO) => void;
}) {
  const [body, setBody] = useState("");
  // Deliberately not reset after sending: forgetting to re-tick it would
  // publish the next note to the requester, which is the worse mistake.
  const [internal, setInternal] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  // Pressing Send again after a failure is a retry of the same comment: same key, at most one comment.
  const sendKey = useRef(new SendKey());
  const asNote = internal && canWriteInternal;

  async function submit() {
    if (pending) return;
    const parsed = ZCreateComment.safeParse({ body, internal: canWriteInternal && internal });
    if (!parsed.success) {
      setFieldError(zodFieldErrors(parsed.error.issues).body?.[0] ?? "Invalid comment");
      // Back to the field, so keyboard and screen-reader users land on what to fix.
      bodyRef.current?.focus();
      return;
    }
    setFieldError(null);
    setError(null);
    setPending(true);
    try {
      const comment = await apiFetch<CommentDTO>(`/api/tickets/${ticketId}/comments`, {
        method: "POST",
        json: parsed.data,
        idempotencyKey: sendKey.current.for({ ticketId, ...parsed.data }),
      });
      sendKey.current.done();
      onComment(comment);
      setBody("");
    } catch (e) {
      const fields = (e as { fields?: Record<string, string[]> }).fields;
      if (fields?.body?.[0]) {
        setFieldError(fields.body[0]);
        bodyRef.current?.focus();
      } else setError(errorMessage(e));
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      className={asNote ? "comment-form comment-form--internal" : "comment-form"}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="field">
        <label htmlFor="comment-body">Comment</label>
        <textarea
          id="comment-body"
          ref={bodyRef}
          name="body"
          rows={4}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void submit();
            }
          }}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? "comment-body-error comment-hint" : "comment-hint"}
          placeholder={asNote ? "Only staff will see this note" : "Write a reply…"}
        />
        {fieldError && (
          <p id="comment-body-error" className="field__error" role="alert">
            {fieldError}
          </p>
        )}
      </div>
      {error && (
        <p role="alert" className="alert alert--error">
          {error}
        </p>
      )}
      <div className="comment-form__actions">
        {canWriteInternal && (
          <div className="checkbox">
            <input
              id="comment-internal"
              type="checkbox"
              checked={internal}
              onChange={(e) => setInternal(e.target.checked)}
            />
            <label htmlFor="comment-internal">Internal note</label>
          </div>
        )}
        <span id="comment-hint" className="muted small">
          Ctrl+Enter to send
        </span>
        {/* Says what will happen, not only by colour: a note must never go out as a reply by mistake. */}
        <button type="submit" className="button button--primary" aria-disabled={pending || undefined}>
          {asNote ? "Send internal note" : "Send"}
        </button>
      </div>
    </form>
  );
}
