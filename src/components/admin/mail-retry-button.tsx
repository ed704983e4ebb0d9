"use client";

import { useState } from "react";
import { apiFetch, errorMessage } from "../../client/api-client";

/** "Send again" for one failed mail: back in the queue, due now (POST /api/mail/:id/retry). */
export function MailRetryButton({ id, subject, to }: { id: string; subject: string; to: string }) {
  const [state, setState] = useState<{ pending: boolean; text: string | null; ok: boolean }>({ pending: false, text: null, ok: true });
  async function retry() {
    setState({ pending: true, text: null, ok: true });
    try {
      await apiFetch(`/api/mail/${encodeURIComponent(id)}/retry`, { method: "POST" });
      setState({ pending: false, text: "Queued again.", ok: true });
    } catch (e) {
      setState({ pending: false, text: errorMessage(e), ok: false });
    }
  }
  return (
    <>
      <button type="button" className="button" disabled={state.pending || (state.ok && state.text !== null)} onClick={() => void retry()}>
        Send again<span className="visually-hidden"> “{subject}” to {to}</span>
      </button>
      <span role="status" aria-live="polite" className={state.ok ? "muted small" : "field__error"}>
        {" "}
        {state.text}
      </span>
    </>
  );
}
