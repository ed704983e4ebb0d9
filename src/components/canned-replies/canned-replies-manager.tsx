"use client";

import { useEffect, useRef, useState } from "react";
import type { CannedReplyDTO } from "../../shared/dto";
import { CANNED_PLACEHOLDERS } from "../../shared/canned";
import { ZCreateCannedReply, ZUpdateCannedReply } from "../../shared/schemas/canned-replies";
import { apiFetch, errorMessage, zodFieldErrors } from "../../client/api-client";
import { useCannedReplies } from "../../hooks/use-canned-replies";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useTypedBeforeHydration } from "../../hooks/use-hydrated";
import { FieldError, focusFirstInvalid, invalidProps } from "../ui/field-error";

type Result = { ok: boolean; text: string } | null;

/** Title and text fields with their errors; the same for creating and editing. */
function ReplyFields({ idPrefix, title, body, onTitle, onBody, errors }: { idPrefix: string; title: string; body: string; onTitle: (v: string) => void; onBody: (v: string) => void; errors: Record<string, string[]> }) {
  const titleRef = useRef<HTMLInputElement>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  useTypedBeforeHydration(titleRef, title, onTitle);
  useTypedBeforeHydration(bodyRef, body, onBody);
  return (
    <>
      <div className="field">
        <label htmlFor={`${idPrefix}-title`}>Title</label>
        <input id={`${idPrefix}-title`} ref={titleRef} name="title" value={title} onChange={(e) => onTitle(e.target.value)} {...invalidProps(`${idPrefix}-title`, errors.title)} />
        <FieldError id={`${idPrefix}-title-error`} messages={errors.title} />
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-body`}>Text</label>
        <textarea id={`${idPrefix}-body`} ref={bodyRef} name="body" rows={5} value={body} onChange={(e) => onBody(e.target.value)} {...invalidProps(`${idPrefix}-body`, errors.body)} />
        <FieldError id={`${idPrefix}-body-error`} messages={errors.body} />
      </div>
    </>
  );
}

function CannedReplyItem({ reply, onSaved, onDeleted }: { reply: CannedReplyDTO; onSaved: (r: CannedReplyDTO) => void; onDeleted: (id: string) => void }) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(reply.title);
  const [body, setBody] = useState(reply.body);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [result, setResult] = useState<Result>(null);
  const [pending, setPending] = useState(false);
  // Editing swaps the buttons for a form and back: focus goes with it (to
  // the form's first field, then back to Edit), not to the top of the page.
  const editButton = useRef<HTMLButtonElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const swapped = useRef(false);
  useEffect(() => {
    if (!swapped.current) return;
    swapped.current = false;
    if (editing) form.current?.querySelector<HTMLInputElement>("input")?.focus();
    else if (!document.activeElement || document.activeElement === document.body) editButton.current?.focus();
  }, [editing]);
  const edit = (on: boolean) => {
    swapped.current = true;
    setEditing(on);
  };

  async function save(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = ZUpdateCannedReply.safeParse({ title, body });
    if (!parsed.success) {
      const errors = zodFieldErrors(parsed.error.issues);
      focusFirstInvalid(e.currentTarget, ["title", "body"], errors);
      return setErrors(errors);
    }
    setErrors({});
    setPending(true);
    try {
      onSaved(await apiFetch<CannedReplyDTO>(`/api/canned-replies/${encodeURIComponent(reply.id)}`, { method: "PATCH", json: parsed.data }));
      edit(false);
      setResult({ ok: true, text: "Saved." });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setPending(false);
    }
  }

  async function remove() {
    if (!window.confirm(`Delete the canned reply “${reply.title}”?`)) return;
    setPending(true);
    try {
      await apiFetch<null>(`/api/canned-replies/${encodeURIComponent(reply.id)}`, { method: "DELETE" });
      onDeleted(reply.id);
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
      setPending(false);
    }
  }

  return (
    <li>
      {editing ? (
        <ClientForm ref={form} onSubmit={save} aria-label={`Edit ${reply.title}`} className="form">
          <ReplyFields idPrefix={`canned-${reply.id}`} title={title} body={body} onTitle={setTitle} onBody={setBody} errors={errors} />
          <SubmitButton className="button button--primary" disabled={pending}>
            Save
          </SubmitButton>{" "}
          <button type="button" className="button" onClick={() => edit(false)}>
            Cancel
          </button>
        </ClientForm>
      ) : (
        <>
          <h3 className="card__title">
            {reply.title} <span className="muted small">{reply.shared ? "Shared" : "Personal"}</span>
          </h3>
          <pre>{reply.body}</pre>
          {reply.canEdit && (
            <p>
              <button
                ref={editButton}
                type="button"
                className="button"
                onClick={() => {
                  // From the reply as it is now: it may have changed live since this item first rendered.
                  setTitle(reply.title);
                  setBody(reply.body);
                  edit(true);
                }}
              >
                Edit <span className="visually-hidden">{reply.title}</span>
              </button>{" "}
              <button type="button" className="button button--ghost" onClick={() => void remove()} disabled={pending}>
                Delete <span className="visually-hidden">{reply.title}</span>
              </button>
            </p>
          )}
        </>
      )}
      <p role="status" aria-live="polite" className={result && !result.ok ? "field__error" : "muted small"}>
        {result?.text}
      </p>
    </li>
  );
}

/**
 * Canned replies: create, edit and delete one's personal ones, and shared
 * ones when `canManageShared` (the policy's answer; the server checks again).
 * Live: changes made elsewhere (shared ones by any admin, one's own in other
 * tabs) show up without a reload (../../hooks/use-canned-replies.ts).
 */
export function CannedRepliesManager({ initial, canManageShared }: { initial: CannedReplyDTO[]; canManageShared: boolean }) {
  const canned = useCannedReplies(initial);
  const replies = canned.list ?? initial;
  const setReplies = canned.setList;
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [shared, setShared] = useState(false);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [result, setResult] = useState<Result>(null);
  const [pending, setPending] = useState(false);
  const byTitle = (list: CannedReplyDTO[]) => [...list].sort((a, b) => a.title.localeCompare(b.title));

  // A deleted reply takes its Delete button with it: focus moves to the
  // reply now in its place (or the one before), or to the list's heading.
  const list = useRef<HTMLUListElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const deleted = useRef<{ id: string; at: number } | null>(null);
  useEffect(() => {
    const gone = deleted.current;
    if (!gone || replies.some((r) => r.id === gone.id)) return;
    deleted.current = null;
    if (document.activeElement && document.activeElement !== document.body) return;
    const items = list.current?.querySelectorAll<HTMLLIElement>(":scope > li") ?? [];
    const item = items[Math.min(gone.at, items.length - 1)];
    (item?.querySelector<HTMLButtonElement>("button") ?? heading.current)?.focus();
  }, [replies]);

  async function create(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = ZCreateCannedReply.safeParse({ title, body, shared: canManageShared && shared });
    if (!parsed.success) {
      const errors = zodFieldErrors(parsed.error.issues);
      focusFirstInvalid(e.currentTarget, ["title", "body"], errors);
      return setErrors(errors);
    }
    setErrors({});
    setPending(true);
    try {
      const created = await apiFetch<CannedReplyDTO>("/api/canned-replies", { method: "POST", json: parsed.data });
      setReplies((list) => byTitle([...list, created]));
      setTitle("");
      setBody("");
      setResult({ ok: true, text: `Saved “${created.title}”.` });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setPending(false);
    }
  }

  return (
    <>
      <section className="card" aria-labelledby="canned-new">
        <h2 id="canned-new" className="card__title">
          New canned reply
        </h2>
        <p className="muted small">
          Placeholders: {CANNED_PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}. In a reply box, type <kbd>/</kbd> and part of a title.
        </p>
        <ClientForm onSubmit={create} aria-label="New canned reply" className="form">
          <ReplyFields idPrefix="canned-new" title={title} body={body} onTitle={setTitle} onBody={setBody} errors={errors} />
          {canManageShared && (
            <label className="checkbox">
              <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} />
              <span>Shared with all staff</span>
            </label>
          )}
          <SubmitButton className="button button--primary" disabled={pending}>
            Save canned reply
          </SubmitButton>
          <p role="status" aria-live="polite" className={result && !result.ok ? "field__error" : "muted"}>
            {result?.text}
          </p>
        </ClientForm>
      </section>
      <section className="card" aria-labelledby="canned-all">
        <h2 id="canned-all" ref={heading} tabIndex={-1} className="card__title">
          Your canned replies <span className="count">{replies.length}</span>
        </h2>
        {replies.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <ul ref={list} className="canned-list">
            {replies.map((reply) => (
              <CannedReplyItem
                key={reply.id}
                reply={reply}
                onSaved={(saved) => setReplies((list) => byTitle(list.map((r) => (r.id === saved.id ? saved : r))))}
                onDeleted={(id) => {
                  deleted.current = { id, at: replies.findIndex((r) => r.id === id) };
                  setReplies((all) => all.filter((r) => r.id !== id));
                }}
              />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
