"use client";

import { useState } from "react";
import { apiFetch, errorMessage, zodFieldErrors } from "../../client/api-client";
import { type EmailSettingsDTO, MAIL_KIND_LABELS, type MailKind } from "../../shared/mail";
import { ZUpdateEmailSettings } from "../../shared/schemas/mail";

/**
 * The user's email switches, beside the in-app ones. Shows only the kinds
 * that apply to them (`kinds`, from the policy); saves them with
 * PUT /api/notifications/email-settings, validated by the same schema as the route.
 */
export function EmailSettingsForm({ initial, kinds, mailEnabled }: { initial: EmailSettingsDTO; kinds: MailKind[]; mailEnabled: boolean }) {
  const [settings, setSettings] = useState(initial);
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    const parsed = ZUpdateEmailSettings.safeParse(Object.fromEntries(kinds.map((k) => [k, settings[k]])));
    if (!parsed.success) {
      setResult({ ok: false, text: Object.values(zodFieldErrors(parsed.error.issues)).flat()[0] ?? "Invalid settings" });
      return;
    }
    setPending(true);
    setResult(null);
    try {
      setSettings(await apiFetch<EmailSettingsDTO>("/api/notifications/email-settings", { method: "PUT", json: parsed.data }));
      setResult({ ok: true, text: "Saved." });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={save} aria-label="Email settings">
      <fieldset className="notification-settings">
        <legend className="muted">Email me when:</legend>
        {kinds.map((kind) => (
          <label key={kind} className="checkbox">
            <input
              type="checkbox"
              name={`email-${kind}`}
              checked={settings[kind]}
              onChange={(e) => setSettings((s) => ({ ...s, [kind]: e.target.checked }))}
            />
            <span>
              <strong>{MAIL_KIND_LABELS[kind].label}</strong> — {MAIL_KIND_LABELS[kind].hint}
            </span>
          </label>
        ))}
      </fieldset>
      <p className="muted">
        {mailEnabled
          ? "An email waits a little first, and is not sent if you have seen it in the app by then."
          : "Email is not set up on this server yet: these take effect once it is."}
      </p>
      <button type="submit" className="button button--primary" disabled={pending}>
        Save email settings
      </button>
      {/* Always rendered, so screen readers announce the result when it appears. */}
      <p role="status" aria-live="polite" className={result && !result.ok ? "field__error" : "muted"}>
        {result?.text}
      </p>
    </form>
  );
}
