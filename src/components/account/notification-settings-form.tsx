"use client";

import { useState } from "react";
import { apiFetch, errorMessage, zodFieldErrors } from "../../client/api-client";
import { NOTIFICATION_KIND_LABELS, type NotificationKind, type NotificationSettingsDTO } from "../../shared/notifications";
import { ZUpdateNotificationSettings } from "../../shared/schemas/notifications";

/**
 * The user's notification switches. Shows only the kinds that apply to them
 * (`kinds`, from the policy); saves them with PUT /api/notifications/settings,
 * validated by the same schema as the route.
 */
export function NotificationSettingsForm({ initial, kinds }: { initial: NotificationSettingsDTO; kinds: NotificationKind[] }) {
  const [settings, setSettings] = useState(initial);
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    const body = Object.fromEntries(kinds.map((k) => [k, settings[k]]));
    const parsed = ZUpdateNotificationSettings.safeParse(body);
    if (!parsed.success) {
      setResult({ ok: false, text: Object.values(zodFieldErrors(parsed.error.issues)).flat()[0] ?? "Invalid settings" });
      return;
    }
    setPending(true);
    setResult(null);
    try {
      setSettings(await apiFetch<NotificationSettingsDTO>("/api/notifications/settings", { method: "PUT", json: parsed.data }));
      setResult({ ok: true, text: "Saved." });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={save} aria-label="Notification settings">
      <fieldset className="notification-settings">
        <legend className="muted">Notify me in the app when:</legend>
        {kinds.map((kind) => (
          <label key={kind} className="checkbox">
            <input
              type="checkbox"
              name={kind}
              checked={settings[kind]}
              onChange={(e) => setSettings((s) => ({ ...s, [kind]: e.target.checked }))}
            />
            <span>
              <strong>{NOTIFICATION_KIND_LABELS[kind].label}</strong> — {NOTIFICATION_KIND_LABELS[kind].hint}
            </span>
          </label>
        ))}
      </fieldset>
      <button type="submit" className="button button--primary" disabled={pending}>
        Save notification settings
      </button>
      {/* Always rendered, so screen readers announce the result when it appears. */}
      <p role="status" aria-live="polite" className={result && !result.ok ? "field__error" : "muted"}>
        {result?.text}
      </p>
    </form>
  );
}
