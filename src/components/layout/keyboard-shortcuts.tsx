"use client";

import { useCallback, useEffect, useRef, useState } from "react";
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
  const dialogRef = useRef<HTMLDialogElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  // Where focus was when the list opened: it goes back there when it closes.
  const opener = useRef<HTMLElement | null>(null);

  const show = useCallback(() => {
    opener.current = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    setOpen(true);
  }, []);

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTypingTarget(e.target)) return;
      // While the list is open the page behind it is inert: only ? (and the dialog's own Escape) act.
      if (dialogRef.current?.open) {
        if (e.key === "?") {
          e.preventDefault();
          dialogRef.current.close();
        }
        return;
      }
      if (e.key === "?") {
        e.preventDefault();
        show();
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
  }, [show]);

  // A modal <dialog>: the browser keeps Tab inside it and makes the page
  // behind it inert for assistive technology too, and Escape closes it.
  useEffect(() => {
    const dialog = dialogRef.current;
    if (!open || !dialog || dialog.open) return;
    dialog.showModal();
    closeRef.current?.focus();
  }, [open]);

  const onClose = () => {
    setOpen(false);
    const back = opener.current;
    opener.current = null;
    if (back?.isConnected) back.focus();
  };

  return (
    <>
      <footer className="site-footer">
        <button type="button" className="button button--link" onClick={show} aria-keyshortcuts="?">
          Keyboard shortcuts <kbd aria-hidden="true">?</kbd>
        </button>
      </footer>
      {open && (
        <dialog
          ref={dialogRef}
          aria-labelledby="shortcuts-title"
          className="shortcuts-dialog"
          onClose={onClose}
          // A click on the backdrop lands on the dialog element itself.
          onClick={(e) => {
            if (e.target === e.currentTarget) e.currentTarget.close();
          }}
        >
          <div className="card shortcuts">
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
            <button ref={closeRef} type="button" className="button" onClick={() => dialogRef.current?.close()}>
              Close
            </button>
          </div>
        </dialog>
      )}
    </>
  );
}
