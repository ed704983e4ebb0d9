"use client";

import type { SettingsDTO } from "../../shared/audit";
import { PRIORITY_LABELS, TICKET_PRIORITIES, type TicketPriority } from "../../shared/enums";
import { ZUpdateSettings } from "../../shared/schemas/settings";
import { useSettingsForm } from "../../client/use-settings-form";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useHydrated } from "../../hooks/use-hydrated";

/** The install's settings: self sign-up, and which priorities requesters may choose. */
export function SettingsForm({ initial }: { initial: SettingsDTO }) {
  const { settings, setSettings, pending, result, save: put } = useSettingsForm<SettingsDTO, typeof ZUpdateSettings>(initial, { url: "/api/settings", schema: ZUpdateSettings, savedText: "Settings saved." });
  // Switches toggled before hydration would show but never reach the state: they wait for the page.
  const hydrated = useHydrated();

  function togglePriority(p: TicketPriority, on: boolean) {
    setSettings((s) => ({
      ...s,
      requesterPriorities: TICKET_PRIORITIES.filter((x) => (x === p ? on : s.requesterPriorities.includes(x))),
    }));
  }

  const save = (e: React.FormEvent) => put(e);

  return (
    <ClientForm onSubmit={save} aria-label="Settings" className="form">
      <label className="checkbox">
        <input type="checkbox" name="signupEnabled" disabled={!hydrated} checked={settings.signupEnabled} onChange={(e) => setSettings((s) => ({ ...s, signupEnabled: e.target.checked }))} />
        <span>
          <strong>Self sign-up</strong> — anyone may create a requester account at <code>/signup</code>
        </span>
      </label>
      <fieldset>
        <legend>Priorities requesters may choose for a new ticket</legend>
        {TICKET_PRIORITIES.map((p) => (
          <label key={p} className="checkbox">
            <input type="checkbox" name={`priority-${p}`} disabled={!hydrated} checked={settings.requesterPriorities.includes(p)} onChange={(e) => togglePriority(p, e.target.checked)} />
            <span>{PRIORITY_LABELS[p]}</span>
          </label>
        ))}
      </fieldset>
      <SubmitButton className="button button--primary" disabled={pending}>
        Save settings
      </SubmitButton>
      <p role="status" aria-live="polite" className={result && !result.ok ? "field__error" : "muted"}>
        {result?.text}
      </p>
    </ClientForm>
  );
}
