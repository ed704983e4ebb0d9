"use client";

import { useState } from "react";
import type { SettingsDTO } from "../../shared/audit";
import { PRIORITY_LABELS, TICKET_PRIORITIES, type TicketPriority } from "../../shared/enums";
import { ZUpdateSettings } from "../../shared/schemas/settings";
import { apiFetch, errorMessage, zodFieldErrors } from "../../client/api-client";

/** The install's settings: self sign-up, and which priorities requesters may choose. */
export function SettingsForm({ initial }: { initial: SettingsDTO }) {
  const [settings, setSettings] = useState(initial);
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  function togglePriority(p: TicketPriority, on: boolean) {
    setSettings((s) => ({
      ...s,
      requesterPriorities: TICKET_PRIORITIES.filter((x) => (x === p ? on : s.requesterPriorities.includes(x))),
    }));
  }

  async function save(e: React.FormEvent) {
    e.preventDefault();
    const parsed = ZUpdateSettings.safeParse(settings);
    if (!parsed.success) {
      setResult({ ok: false, text: Object.values(zodFieldErrors(parsed.error.issues)).flat()[0] ?? "Invalid settings" });
      return;
    }
    setPending(true);
    setResult(null);
    try {
      setSettings(await apiFetch<SettingsDTO>("/api/settings", { method: "PUT", json: parsed.data }));
      setResult({ ok: true, text: "Settings saved." });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={save} aria-label="Settings" className="form">
      <label className="checkbox">
        <input type="checkbox" name="signupEnabled" checked={settings.signupEnabled} onChange={(e) => setSettings((s) => ({ ...s, signupEnabled: e.target.checked }))} />
        <span>
          <strong>Self sign-up</strong> — anyone may create a requester account at <code>/signup</code>
        </span>
      </label>
      <fieldset>
        <legend>Priorities requesters may choose for a new ticket</legend>
        {TICKET_PRIORITIES.map((p) => (
          <label key={p} className="checkbox">
            <input type="checkbox" name={`priority-${p}`} checked={settings.requesterPriorities.includes(p)} onChange={(e) => togglePriority(p, e.target.checked)} />
            <span>{PRIORITY_LABELS[p]}</span>
          </label>
        ))}
      </fieldset>
      <button type="submit" className="button button--primary" disabled={pending}>
        Save settings
      </button>
      <p role="status" aria-live="polite" className={result && !result.ok ? "field__error" : "muted"}>
        {result?.text}
      </p>
    </form>
  );
}
