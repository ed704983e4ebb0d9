"use client";

import { useEffect, useRef, useState } from "react";
import { COMPOSE_EVENT, type ComposeDetail, isTypingTarget, SHORTCUTS, stepRow } from "../../client/shortcuts";

/**
 * App-wide keyboard shortcuts (see src/client/shortcuts.ts). They act on what
 * the page marks: the search box (`data-shortcut="search"`), list rows
 * (`tr[data-ticket-id]`, whose title link takes focus so Enter opens it), and
 * the reply box (it listens for COMPOSE_EVENT). Nothing happens while the
 * user types in a field or holds a modifier.
 */
export function KeyboardShortcuts() {
  const [open, setOpen] = useState(false);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTypingTarget(e.target)) return;
      if (e.key === "Escape") {
        setOpen(false);
        return;
      }
      if (e.key === "?") {
        e.preventDefault();
        setOpen((o) => !o);
        return;
      }
      if (e.key === "/") {
        const search = document.querySelector<HTMLInputElement>('[data-shortcut="search"]');
        if (!search) return;
        e.preventDefault();
        search.focus();
        search.select();
        return;
      }
      if (e.key === "j" || e.key === "k") {
        const rows = Array.from(document.querySelectorAll<HTMLTableRowElement>("tr[data-ticket-id]"));
        if (rows.length === 0) return;
        e.preventDefault();
        const current = rows.findIndex((row) => row.contains(document.activeElement));
        const next = rows[stepRow(current, rows.length, e.key)]!;
        const link = next.querySelector<HTMLAnchorElement>(".cell-title a");
        link?.focus();
        next.scrollIntoView({ block: "nearest" });
        return;
      }
      if (e.key === "r" || e.key === "n") {
        if (!document.getElementById("comment-body")) return;
        e.preventDefault();
        document.dispatchEvent(new CustomEvent<ComposeDetail>(COMPOSE_EVENT, { detail: { internal: e.key === "n" } }));
      }
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    if (open) closeRef.current?.focus();
  }, [open]);

  if (!open) return null;
  return (
    <div className="shortcuts-backdrop" onClick={() => setOpen(false)}>
      <div role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" className="card shortcuts" onClick={(e) => e.stopPropagation()}>
        <h2 id="shortcuts-title" className="card__title">
          Keyboard shortcuts
        </h2>
        <table className="shortcuts__table">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <th scope="row">
                  <kbd>{s.keys}</kbd>
                </th>
                <td>{s.does}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button ref={closeRef} type="button" className="button" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
    </div>
  );
}
