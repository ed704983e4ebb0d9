"use client";

import { useState } from "react";
import { apiFetch, errorMessage } from "../../client/api-client";

/** Ends every other session of the signed-in user and says how many it ended. */
export function SignOutOtherSessions() {
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <div>
      <button
        type="button"
        className="button"
        disabled={pending}
        onClick={async () => {
          setPending(true);
          setResult(null);
          try {
            const { revoked } = await apiFetch<{ revoked: number }>("/api/sessions/revoke-others", { method: "POST" });
            setResult({
              ok: true,
              text:
                revoked === 0
                  ? "No other sessions were signed in."
                  : `Signed out ${revoked} other ${revoked === 1 ? "session" : "sessions"}.`,
            });
          } catch (e) {
            setResult({ ok: false, text: errorMessage(e) });
          } finally {
            setPending(false);
          }
        }}
      >
        Sign out other sessions
      </button>
      {/* Always rendered, so screen readers announce the result when it appears. */}
      <p role="status" aria-live="polite" className={result && !result.ok ? "field__error" : "muted"}>
        {result?.text}
      </p>
    </div>
  );
}
