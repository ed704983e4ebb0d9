"use client";

import { useEffect, useEffectEvent, useRef, useState } from "react";
import type { AttachmentDTO, CannedReplyDTO, CommentDTO, StaffRef } from "../../shared/dto";
import { type CannedContext, expandCanned, filterCanned, insertCanned, slashQuery } from "../../shared/canned";
import { formatBytes } from "../lib/format";
import { insertMention, type MentionSuggestions, suggestMentions } from "../../client/mention-suggest";
import { ZCreateComment } from "../../shared/schemas/comments";
import { apiFetch, ApiError, errorMessage, SendKey, zodFieldErrors } from "../../client/api-client";
import { DraftSaver } from "../../client/draft-sync";
import { localDraftBackup, restorableDraft } from "../../client/local-draft";
import { tabId } from "../../client/tab-id";
import { COMPOSE_EVENT, type ComposeDetail } from "../../client/shortcuts";
import { useConnectionState, useOnConnect, useRealtimeMessage, useSessionEnded } from "../../client/realtime-provider";
import { SignInAgainLink } from "../auth/sign-in-again";
import { useCannedReplies } from "../../hooks/use-canned-replies";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useHydrated } from "../../hooks/use-hydrated";

export type ComposingKind = "reply" | "note";

/** A file picked for this reply: uploading, ready (staged on the server) or failed. */
type PendingFile = { key: string; name: string; size: number; state: "uploading" } | { key: string; name: string; size: number; state: "ready"; attachment: AttachmentDTO } | { key: string; name: string; size: number; state: "failed"; error: string };

type SendState =
  | { kind: "idle" }
  | { kind: "sending" }
  | { kind: "sent" }
  // `signedOut`: the server said the session is gone (401); a retry cannot work, signing in can.
  | { kind: "failed"; message: string; network: boolean; signedOut?: boolean };

function snippet(body: string): string {
  return body.length > 120 ? `${body.slice(0, 120)}…` : body;
}

/**
 * The reply box; staff may mark a comment as an internal note.
 *
 * - Its text is a draft kept on the server (per user and ticket): restored
 *   after a reload or on another device, followed live by the user's other
 *   tabs, deleted when sent.
 * - Send guard: a public reply by someone else that arrived after the user
 *   started writing is shown first, and Send must be pressed again, so two
 *   people do not silently answer the same thing twice.
 * - Every send carries an idempotency key (a retry never posts twice) and
 *   says what happened: sending, sent, or failed with a retry. Offline,
 *   sending waits and the text stays.
 */
export function CommentForm({
  ticketId,
  userId,
  canWriteInternal,
  onComment,
  initialDraft,
  comments,
  othersWritingReply = [],
  onComposing,
  staff = [],
  canned = null,
}: {
  ticketId: string;
  userId: string;
  canWriteInternal: boolean;
  onComment: (comment: CommentDTO) => void;
  initialDraft: { body: string; internal: boolean } | null;
  /** The conversation as shown, for the send guard. */
  comments: CommentDTO[];
  /** Names of others writing a public reply right now (presence), for the collision warning. */
  othersWritingReply?: readonly string[];
  /** Tells presence what this user is writing (null: nothing). */
  onComposing?: (kind: ComposingKind | null) => void;
  /** Who can be @mentioned (staff only get this list; empty: no picker). */
  staff?: readonly StaffRef[];
  /** What canned replies expand from (staff only; null: no canned replies). */
  canned?: CannedContext | null;
}) {
  const [body, setBody] = useState(initialDraft?.body ?? "");
  // Deliberately not reset after sending: forgetting to re-tick it would
  // publish the next note to the requester, which is the worse mistake.
  const [internal, setInternal] = useState(canWriteInternal && (initialDraft?.internal ?? false));
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [send, setSend] = useState<SendState>({ kind: "idle" });
  const [draftState, setDraftState] = useState<"saved" | "failed" | null>(initialDraft ? "saved" : null);
  const [guard, setGuard] = useState<CommentDTO[] | null>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const internalRef = useRef<HTMLInputElement>(null);
  const hydrated = useHydrated();
  const [mentions, setMentions] = useState<MentionSuggestions | null>(null);
  const [files, setFiles] = useState<PendingFile[]>([]);
  /** What the box holds now, for answers that arrive after the user typed on (set in handlers only). */
  const latest = useRef({ body: initialDraft?.body ?? "", internal: canWriteInternal && (initialDraft?.internal ?? false) });
  const [dragging, setDragging] = useState(false);
  const [activeMention, setActiveMention] = useState(0);
  // Canned replies: the list (read when first wanted, then kept live) and the
  // open picker. "slash": opened by a leading `/query`, which the pick
  // replaces; "button": opened by the button, the pick goes in at the caret.
  const cannedReplies = useCannedReplies(null);
  const { list: cannedList, error: cannedError } = cannedReplies;
  const [picker, setPicker] = useState<{ mode: "slash" | "button"; query: string } | null>(null);
  const [activeCanned, setActiveCanned] = useState(0);
  // Pressing Send again after a failure is a retry of the same comment: same key, at most one comment.
  const sendKey = useRef(new SendKey());
  const [backup] = useState(() => localDraftBackup(userId, ticketId));
  const [saver] = useState(() => new DraftSaver(ticketId, { body: initialDraft?.body ?? "", internal: initialDraft?.internal ?? false }, setDraftState, backup));
  // Public replies by others the writer has already been shown (or that were
  // there when they started writing): the send guard stops only for new ones.
  const seen = useRef<Set<string>>(new Set(comments.map((c) => c.id)));
  const connection = useConnectionState();
  const offline = connection === "offline";
  const sessionEnded = useSessionEnded();
  const asNote = internal && canWriteInternal;
  const composing: ComposingKind | null = body.trim() ? (asNote ? "note" : "reply") : null;

  useEffect(() => () => saver.dispose(), [saver]);

  // Text typed (or the box ticked) before hydration: see useTypedBeforeHydration
  // (hooks/use-hydrated.ts). Not that hook here: the text and the note box
  // go into one edit(), which also decides when writing started.
  // Else, text this browser kept that the server never got (typed offline,
  // then reloaded or closed): see client/local-draft.ts.
  const adoptTypedBeforeHydration = useEffectEvent(() => {
    const box = bodyRef.current;
    const note = internalRef.current;
    if (!box) return;
    const nextInternal = canWriteInternal && note ? note.checked : internal;
    if (box.value !== body || nextInternal !== internal) {
      edit(box.value, nextInternal);
      return;
    }
    const kept = restorableDraft(backup, initialDraft, (text) => comments.some((c) => c.author.id === userId && c.body.trim() === text.trim()));
    if (kept) {
      edit(kept.body, canWriteInternal && kept.internal);
      // Saved now, not after the typing pause: the status says which it is.
      void saver.flush();
    }
  });
  useEffect(() => adoptTypedBeforeHydration(), []);
  // Leaving or hiding the page saves what is pending now rather than after the delay.
  useEffect(() => {
    const save = () => void saver.flush();
    const onHide = () => {
      if (document.visibilityState === "hidden") save();
    };
    window.addEventListener("pagehide", save);
    document.addEventListener("visibilitychange", onHide);
    return () => {
      window.removeEventListener("pagehide", save);
      document.removeEventListener("visibilitychange", onHide);
    };
  }, [saver]);


  // A network failure is over once the connection is back: the banner goes.
  // So is a draft save that failed: it is tried again now, not at the next keystroke.
  useOnConnect(() => {
    setSend((s) => (s.kind === "failed" && s.network ? { kind: "idle" } : s));
    void saver.flush();
  });

  // `r` / `n` (src/client/shortcuts.ts): write a reply or a note.
  useEffect(() => {
    const onCompose = (e: Event) => {
      const { internal: note } = (e as CustomEvent<ComposeDetail>).detail;
      if (note && !canWriteInternal) return;
      setInternal(note);
      latest.current = { body, internal: note };
      saver.change(body, note);
      bodyRef.current?.focus();
    };
    document.addEventListener(COMPOSE_EVENT, onCompose);
    return () => document.removeEventListener(COMPOSE_EVENT, onCompose);
  }, [body, canWriteInternal, saver]);

  // "Sent" is a moment, not a state to keep showing.
  useEffect(() => {
    if (send.kind !== "sent") return;
    const timer = setTimeout(() => setSend((s) => (s.kind === "sent" ? { kind: "idle" } : s)), 4000);
    return () => clearTimeout(timer);
  }, [send.kind]);

  // The same draft typed in another tab or device, or sent from there.
  useRealtimeMessage("draft:saved", (draft) => {
    if (draft.ticketId !== ticketId || draft.clientId === tabId()) return;
    // This tab's own send clears the draft on the server; the box empties when that send is answered.
    if (send.kind === "sending") return;
    // A send cleared it: empty this box only if it still holds what was sent.
    if (draft.sent !== undefined && body.trim() !== draft.sent.trim()) return;
    // Never overwrite what the user is typing here right now.
    if (document.activeElement === bodyRef.current && body.trim() !== "" && draft.sent === undefined) return;
    saver.adopt(draft.body, draft.internal);
    latest.current = { body: draft.body, internal: canWriteInternal && draft.internal };
    setBody(draft.body);
    if (canWriteInternal) setInternal(draft.internal);
    setDraftState(draft.body ? "saved" : null);
  });

  function edit(nextBody: string, nextInternal: boolean) {
    if (!body.trim() && nextBody.trim()) {
      // Starting to write: what is on screen now has been seen.
      seen.current = new Set(comments.map((c) => c.id));
      setGuard(null);
    }
    setBody(nextBody);
    setInternal(nextInternal);
    latest.current = { body: nextBody, internal: nextInternal };
    saver.change(nextBody, nextInternal);
    // Presence: a beat per change (throttled by the hook) while there is text.
    onComposing?.(nextBody.trim() ? (nextInternal && canWriteInternal ? "note" : "reply") : null);
  }

  /**
   * Upload picked, dropped or pasted files at once, staged: nobody else sees
   * them until the reply is sent with their ids (and a note's stay internal).
   */
  function addFiles(list: FileList | File[]) {
    for (const file of Array.from(list)) {
      const key = `${Date.now()}-${Math.random()}`;
      setFiles((current) => [...current, { key, name: file.name || "pasted-image.png", size: file.size, state: "uploading" }]);
      const form = new FormData();
      form.append("file", file, file.name || "pasted-image.png");
      apiFetch<AttachmentDTO>(`/api/tickets/${encodeURIComponent(ticketId)}/attachments?staged=1`, { method: "POST", body: form }).then(
        (attachment) => setFiles((current) => current.map((f) => (f.key === key ? { key, name: f.name, size: f.size, state: "ready", attachment } : f))),
        (e: unknown) => setFiles((current) => current.map((f) => (f.key === key ? { key, name: f.name, size: f.size, state: "failed", error: errorMessage(e) } : f))),
      );
    }
  }

  /** Read the canned replies when first wanted, then follow them live (a failure is shown in the picker and retried next time). */
  function loadCanned() {
    cannedReplies.load();
  }

  /** Open the canned picker for a leading `/query` on the caret's line, or close it. */
  function updateCanned(text: string, caret: number | null): boolean {
    const query = canned ? slashQuery(text, caret) : null;
    if (query === null) {
      setPicker((p) => (p?.mode === "slash" ? null : p));
      return false;
    }
    loadCanned();
    setPicker({ mode: "slash", query });
    setActiveCanned(0);
    return true;
  }

  const cannedItems = picker ? filterCanned(cannedList ?? [], picker.query) : [];

  function pickCanned(reply: CannedReplyDTO) {
    if (!picker || !canned) return;
    const expansion = expandCanned(reply.body, canned);
    let next: { text: string; caret: number };
    if (picker.mode === "slash") {
      next = insertCanned(body, expansion);
    } else {
      const el = bodyRef.current;
      const start = el?.selectionStart ?? body.length;
      const end = el?.selectionEnd ?? start;
      next = { text: body.slice(0, start) + expansion + body.slice(end), caret: start + expansion.length };
    }
    edit(next.text, internal);
    setPicker(null);
    requestAnimationFrame(() => {
      bodyRef.current?.focus();
      bodyRef.current?.setSelectionRange(next.caret, next.caret);
    });
  }

  /** Offer staff for the `@prefix` at the caret, if any. */
  function updateMentions(text: string, caret: number | null) {
    const next = staff.length > 0 && caret !== null ? suggestMentions(text, caret, staff) : null;
    setMentions(next && next.items.length > 0 ? next : null);
    setActiveMention(0);
  }

  function pickMention(person: StaffRef) {
    if (!mentions) return;
    const { text, caret } = insertMention(body, mentions, person.handle);
    edit(text, internal);
    setMentions(null);
    // After React has put the new value in the box.
    requestAnimationFrame(() => {
      bodyRef.current?.focus();
      bodyRef.current?.setSelectionRange(caret, caret);
    });
  }

  async function submit() {
    if (send.kind === "sending") return;
    if (offline) return;
    if (files.some((f) => f.state === "uploading")) return;
    const attachmentIds = files.flatMap((f) => (f.state === "ready" ? [f.attachment.id] : []));
    const parsed = ZCreateComment.safeParse({ body, internal: canWriteInternal && internal, ...(attachmentIds.length ? { attachmentIds } : {}) });
    if (!parsed.success) {
      setFieldError(zodFieldErrors(parsed.error.issues).body?.[0] ?? "Invalid comment");
      // Back to the field, so keyboard and screen-reader users land on what to fix.
      bodyRef.current?.focus();
      return;
    }
    // Send guard: public replies by others since the writer started.
    const fresh = comments.filter((c) => !c.internal && c.author.id !== userId && !seen.current.has(c.id));
    if (fresh.length > 0) {
      for (const c of fresh) seen.current.add(c.id);
      setGuard(fresh);
      return;
    }
    setGuard(null);
    setFieldError(null);
    setSend({ kind: "sending" });
    try {
      await saver.settle(latest.current);
      const comment = await apiFetch<CommentDTO>(`/api/tickets/${ticketId}/comments`, {
        method: "POST",
        json: parsed.data,
        idempotencyKey: sendKey.current.for({ ticketId, ...parsed.data }),
      });
      sendKey.current.done();
      onComment(comment);
      setFiles((current) => current.filter((f) => f.state !== "ready" || !attachmentIds.includes(f.attachment.id)));
      setSend({ kind: "sent" });
      // The box empties only if it still holds what was sent: the comment can
      // show up live before this answer, and the user may have started the
      // next one meanwhile. That text is kept (and saved, as the server
      // deleted the draft with the send).
      if (latest.current.body.trim() === parsed.data.body) {
        saver.adopt("", internal);
        onComposing?.(null);
        setBody("");
        setDraftState(null);
      } else {
        saver.adopt("", internal);
        saver.change(latest.current.body, latest.current.internal);
      }
    } catch (e) {
      const fields = (e as { fields?: Record<string, string[]> }).fields;
      if (fields?.body?.[0]) {
        setFieldError(fields.body[0]);
        setSend({ kind: "idle" });
        bodyRef.current?.focus();
      } else {
        const signedOut = e instanceof ApiError && e.code === "UNAUTHORIZED";
        setSend({ kind: "failed", message: errorMessage(e), network: !(e instanceof ApiError), signedOut });
      }
      // Not sent: the text is a draft again, as it is now (the user may have
      // typed on while the send was retried).
      saver.change(latest.current.body, latest.current.internal);
    }
  }

  const combobox = staff.length > 0 || canned !== null;
  const sending = send.kind === "sending";
  const uploading = files.some((f) => f.state === "uploading");
  const collision = composing === "reply" && othersWritingReply.length > 0;

  return (
    <ClientForm
      className={[asNote ? "comment-form comment-form--internal" : "comment-form", dragging ? "comment-form--drop" : ""].join(" ").trim()}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes("Files")) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        if (!e.dataTransfer.files.length) return;
        e.preventDefault();
        setDragging(false);
        addFiles(e.dataTransfer.files);
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
          onChange={(e) => {
            edit(e.target.value, internal);
            if (updateCanned(e.target.value, e.target.selectionStart)) setMentions(null);
            else updateMentions(e.target.value, e.target.selectionStart);
          }}
          onClick={(e) => {
            if (updateCanned(e.currentTarget.value, e.currentTarget.selectionStart)) setMentions(null);
            else updateMentions(e.currentTarget.value, e.currentTarget.selectionStart);
          }}
          onPaste={(e) => {
            // Pasted screenshots become files of the reply; pasted text stays text.
            const pasted = Array.from(e.clipboardData.files);
            if (pasted.length === 0) return;
            e.preventDefault();
            addFiles(pasted);
          }}
          onBlur={() =>
            setTimeout(() => {
              setMentions(null);
              // The button's picker stays while focus is on the button that opened it.
              if (document.activeElement !== bodyRef.current) setPicker((p) => (p?.mode === "slash" ? null : p));
            }, 150)
          }
          // A multi-line text box, not role="combobox" (ARIA in HTML allows a
          // textarea no role; readers announced "combo box" and some took its
          // arrow keys from the lines): it names the open list it completes
          // from and the active option, which a textbox may.
          aria-autocomplete={combobox ? "list" : undefined}
          aria-controls={picker ? "canned-options" : mentions ? "mention-options" : undefined}
          aria-activedescendant={picker && cannedItems.length > 0 ? `canned-option-${activeCanned}` : mentions ? `mention-option-${activeMention}` : undefined}
          onKeyDown={(e) => {
            if (picker) {
              if ((e.key === "ArrowDown" || e.key === "ArrowUp") && cannedItems.length > 0) {
                e.preventDefault();
                const n = cannedItems.length;
                setActiveCanned((i) => (i + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
                return;
              }
              if ((e.key === "Enter" || e.key === "Tab") && !e.ctrlKey && !e.metaKey && cannedItems.length > 0) {
                e.preventDefault();
                pickCanned(cannedItems[Math.min(activeCanned, cannedItems.length - 1)]!);
                return;
              }
              if (e.key === "Escape") {
                e.preventDefault();
                setPicker(null);
                return;
              }
            }
            if (mentions) {
              if (e.key === "ArrowDown" || e.key === "ArrowUp") {
                e.preventDefault();
                const n = mentions.items.length;
                setActiveMention((i) => (i + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
                return;
              }
              if (e.key === "Enter" || e.key === "Tab") {
                e.preventDefault();
                pickMention(mentions.items[activeMention]!);
                return;
              }
              if (e.key === "Escape") {
                e.preventDefault();
                setMentions(null);
                return;
              }
            }
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void submit();
            }
          }}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? "comment-body-error comment-hint" : "comment-hint"}
          placeholder={asNote ? "Only staff will see this note" : "Write a reply…"}
        />
        {picker && (
          <div className="mention-options canned-options">
            {cannedList === null ? (
              <p className="muted small" role="status">
                {cannedError ? `Canned replies could not be loaded: ${cannedError}` : "Loading canned replies…"}
              </p>
            ) : cannedItems.length === 0 ? (
              <p className="muted small" role="status">
                {cannedList.length === 0 ? "No canned replies yet." : `No canned reply matches “${picker.query}”.`}{" "}
                <a href="/canned-replies">Manage canned replies</a>
              </p>
            ) : null}
            <ul id="canned-options" role="listbox" aria-label="Canned replies">
              {cannedItems.map((reply, i) => (
                <li
                  key={reply.id}
                  id={`canned-option-${i}`}
                  role="option"
                  aria-selected={i === activeCanned}
                  // mousedown, not click: the box keeps focus and the caret.
                  onMouseDown={(e) => {
                    e.preventDefault();
                    pickCanned(reply);
                  }}
                >
                  {reply.title} {reply.shared ? <span className="muted small">shared</span> : <span className="muted small">personal</span>}
                </li>
              ))}
            </ul>
          </div>
        )}
        {!picker && mentions && (
          <ul id="mention-options" role="listbox" aria-label="Mention someone" className="mention-options">
            {mentions.items.map((person, i) => (
              <li
                key={person.id}
                id={`mention-option-${i}`}
                role="option"
                aria-selected={i === activeMention}
                // mousedown, not click: the box keeps focus and the caret.
                onMouseDown={(e) => {
                  e.preventDefault();
                  pickMention(person);
                }}
              >
                {person.name} <span className="muted">@{person.handle}</span>
              </li>
            ))}
          </ul>
        )}
        {fieldError && (
          <p id="comment-body-error" className="field__error" role="alert">
            {fieldError}
          </p>
        )}
      </div>
      <div className="comment-form__files">
        {canned && (
          <button
            type="button"
            className="button button--ghost"
            aria-expanded={picker?.mode === "button"}
            aria-controls={picker ? "canned-options" : undefined}
            onClick={() => {
              if (picker) {
                setPicker(null);
                return;
              }
              loadCanned();
              setMentions(null);
              setPicker({ mode: "button", query: "" });
              setActiveCanned(0);
              bodyRef.current?.focus();
            }}
          >
            Canned replies
          </button>
        )}
        <label className="button button--ghost comment-form__add-files">
          Add files
          <input
            type="file"
            multiple
            className="visually-hidden"
            // Files picked before hydration would never upload: the picker waits for the page.
            disabled={!hydrated}
            onChange={(e) => {
              if (e.currentTarget.files) addFiles(e.currentTarget.files);
              e.currentTarget.value = "";
            }}
          />
        </label>
        <span className="muted small">or drop or paste them here{asNote ? " (staff only, like the note)" : ""}</span>
        {files.length > 0 && (
          <ul className="pending-files" aria-label="Files for this reply">
            {files.map((f) => (
              <li key={f.key} className={`pending-files__item pending-files__item--${f.state}`}>
                {f.name} <span className="muted small">{formatBytes(f.size)}</span>{" "}
                <span className="small">{f.state === "uploading" ? "Uploading…" : f.state === "ready" ? "Ready" : `Failed: ${f.error}`}</span>{" "}
                <button type="button" className="button button--link" onClick={() => setFiles((current) => current.filter((x) => x.key !== f.key))}>
                  Remove <span className="visually-hidden">{f.name}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {collision && (
        <p className="alert alert--warning" role="status">
          {othersWritingReply.join(", ")} {othersWritingReply.length === 1 ? "is" : "are"} also writing a reply.
        </p>
      )}
      {guard && (
        <div className="alert alert--warning send-guard" role="alert">
          <p>
            <strong>New since you started writing:</strong>
          </p>
          <ul>
            {guard.map((c) => (
              <li key={c.id}>
                {c.author.name}: {snippet(c.body)}
              </li>
            ))}
          </ul>
          <p>Press Send again to send yours anyway.</p>
        </div>
      )}
      {offline && !sessionEnded && (
        // Not a live region: the connection indicator already announces "Offline".
        <p className="alert alert--warning">
          You are offline. Your text is kept; send it when you are back online.
        </p>
      )}
      {(sessionEnded || (send.kind === "failed" && send.signedOut)) && (
        // The connection is fine; the session is not. Retrying cannot help, signing in does.
        <p role="alert" className="alert alert--warning">
          Your session ended. Your text is kept in this browser: <SignInAgainLink>sign in again</SignInAgainLink>, then send it.
        </p>
      )}
      {send.kind === "failed" && !send.signedOut && !sessionEnded && (
        <div role="alert" className="alert alert--error">
          <p>Not sent: {send.message}</p>
          <button type="button" className="button" onClick={() => void submit()} aria-disabled={offline || undefined}>
            Retry
          </button>
        </div>
      )}
      <div className="comment-form__actions">
        {canWriteInternal && (
          <div className="checkbox">
            <input id="comment-internal" ref={internalRef} type="checkbox" checked={internal} onChange={(e) => edit(body, e.target.checked)} />
            <label htmlFor="comment-internal">Internal note</label>
          </div>
        )}
        <span id="comment-hint" className="muted small">
          Ctrl+Enter to send
        </span>
        <span className="muted small" role="status" aria-live="polite">
          {sending
            ? "Sending…"
            : uploading
              ? "Uploading files…"
              : send.kind === "sent"
                ? "Sent"
                : draftState === "saved" && body
                  ? "Draft saved"
                  : draftState === "failed" && body
                    ? "Draft not saved yet: kept in this browser"
                    : ""}
        </span>
        {/* Says what will happen, not only by colour: a note must never go out as a reply by mistake. */}
        <SubmitButton className="button button--primary" aria-disabled={sending || offline || uploading || undefined}>
          {asNote ? "Send internal note" : "Send"}
        </SubmitButton>
      </div>
    </ClientForm>
  );
}
