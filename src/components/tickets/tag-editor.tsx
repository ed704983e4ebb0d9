"use client";

import { useEffect, useId, useRef, useState } from "react";
import type { TagDTO, TicketDTO } from "../../shared/dto";
import { normalizeTag, parseTagInput, type TTagOps } from "../../shared/schemas/tags";
import { apiFetch, ApiError, errorMessage } from "../../client/api-client";
import { useConnectionState } from "../../client/realtime-provider";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useTypedBeforeHydration } from "../../hooks/use-hydrated";

/** Suggestions are asked for after typing pauses this long. */
const SUGGEST_DEBOUNCE_MS = 200;
const NO_TAGS: string[] = [];

/**
 * A ticket's tags, for staff: remove one with its button, add one or several
 * (comma-separated) with suggestions of tags in use. Each change is an
 * operation (POST /api/tickets/:id/tags), so two people tagging at once both
 * keep theirs, and everyone's change shows here live through the ticket's
 * events (the parent applies them; `onTicket` takes our own answer).
 */
export function TagEditor({ ticket, onTicket }: { ticket: TicketDTO; onTicket: (ticket: TicketDTO) => void }) {
  const tags = ticket.tags ?? NO_TAGS;
  const [text, setText] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [suggestions, setSuggestions] = useState<TagDTO[]>([]);
  const offline = useConnectionState() === "offline";
  const listId = useId();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  function suggest(prefix: string) {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const last = normalizeTag(prefix.split(",").at(-1) ?? "");
      apiFetch<{ items: TagDTO[] }>(`/api/tags?${new URLSearchParams({ prefix: last, limit: "10" })}`).then(
        (r) => setSuggestions(r.items),
        () => setSuggestions([]),
      );
    }, SUGGEST_DEBOUNCE_MS);
  }

  async function send(ops: TTagOps): Promise<boolean> {
    if (pending) return false;
    if (offline) {
      setError("You are offline: tags were not changed. Try again when you are back online.");
      return false;
    }
    setPending(true);
    setError(null);
    try {
      onTicket(await apiFetch<TicketDTO>(`/api/tickets/${encodeURIComponent(ticket.id)}/tags`, { method: "POST", json: ops, repeatable: true }));
      return true;
    } catch (e) {
      // A field's own message says which tag and why ("at most 30 tags").
      setError(`Not saved: ${(e instanceof ApiError && Object.values(e.fields)[0]?.[0]) || errorMessage(e)}`);
      return false;
    } finally {
      setPending(false);
    }
  }

  const input = useRef<HTMLInputElement>(null);
  useTypedBeforeHydration(input, text, setText);

  // The pressed remove button goes with its tag, and focus with it to the
  // page's top: it moves to the tag now in that place (or the one before),
  // or to the add box once none is left.
  const list = useRef<HTMLUListElement>(null);
  const removing = useRef<{ name: string; at: number } | null>(null);
  useEffect(() => {
    const gone = removing.current;
    if (!gone || tags.includes(gone.name)) return;
    removing.current = null;
    // Only if focus went down with the button (not if the user moved on meanwhile).
    if (document.activeElement && document.activeElement !== document.body) return;
    const buttons = list.current?.querySelectorAll<HTMLButtonElement>(".ticket-tag__remove") ?? [];
    (buttons[Math.min(gone.at, buttons.length - 1)] ?? input.current)?.focus();
  }, [tags]);

  async function remove(name: string) {
    removing.current = { name, at: tags.indexOf(name) };
    if (!(await send({ remove: [name] }))) removing.current = null;
  }

  async function add(e: React.FormEvent) {
    e.preventDefault();
    const { names, problem } = parseTagInput(text);
    if (problem) return setError(problem);
    const fresh = names.filter((n) => !tags.includes(n));
    if (fresh.length === 0) {
      setText("");
      return;
    }
    if (await send({ add: fresh })) setText("");
  }

  return (
    <section className="tag-editor" aria-labelledby="tags-title" aria-busy={pending || undefined}>
      <h3 id="tags-title" className="fields__subtitle">
        Tags
      </h3>
      {tags.length === 0 ? (
        <p className="muted small">No tags</p>
      ) : (
        <ul ref={list} className="tag-list" aria-label="Tags">
          {tags.map((name) => (
            <li key={name} className="ticket-tag">
              <span>{name}</span>
              <button type="button" className="ticket-tag__remove" aria-label={`Remove tag ${name}`} aria-disabled={pending || undefined} onClick={() => void remove(name)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <ClientForm className="tag-editor__add" onSubmit={add}>
        <input
          ref={input}
          type="text"
          aria-label="Add tag"
          placeholder="Add tag"
          list={listId}
          value={text}
          maxLength={200}
          autoComplete="off"
          onChange={(e) => {
            setText(e.target.value);
            suggest(e.target.value);
          }}
          onFocus={(e) => suggest(e.currentTarget.value)}
        />
        <datalist id={listId}>
          {suggestions
            .filter((s) => !tags.includes(s.name))
            .map((s) => (
              <option key={s.name} value={s.name}>{`${s.name} (${s.count})`}</option>
            ))}
        </datalist>
        <SubmitButton className="button" aria-disabled={pending || !text.trim() || undefined}>
          Add
        </SubmitButton>
      </ClientForm>
      <p role="alert" className="field__error">
        {error}
      </p>
    </section>
  );
}
