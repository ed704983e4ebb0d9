"use client";

import { useSettingsForm } from "../../client/use-settings-form";
import { type EmailSettingsDTO, MAIL_KIND_LABELS, type MailKind, mailKindHint } from "../../shared/mail";
import { ZUpdateEmailSettings } from "../../shared/schemas/mail";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useHydrated } from "../../hooks/use-hydrated";

/**
 * The user's email switches, beside the in-app ones. Shows only the kinds
 * that apply to them (`kinds`, from the policy); saves them with
 * PUT /api/notifications/email-settings, validated by the same schema as the route.
 */
export function EmailSettingsForm({ initial, kinds, mailEnabled, staff }: { initial: EmailSettingsDTO; kinds: MailKind[]; mailEnabled: boolean; staff: boolean }) {
  const { settings, setSettings, pending, result, save: put } = useSettingsForm<EmailSettingsDTO, typeof ZUpdateEmailSettings>(initial, { url: "/api/notifications/email-settings", schema: ZUpdateEmailSettings });

  const save = (e: React.FormEvent) => put(e, Object.fromEntries(kinds.map((k) => [k, settings[k]])));
  // Switches toggled before hydration would show but never reach the state: they wait for the page.
  const hydrated = useHydrated();

  return (
    <ClientForm onSubmit={save} aria-label="Email settings">
      <fieldset className="notification-settings" disabled={!hydrated}>
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
              <strong>{MAIL_KIND_LABELS[kind].label}</strong> — {mailKindHint(kind, staff)}
            </span>
          </label>
        ))}
      </fieldset>
      <p className="muted">
        {mailEnabled
          ? "An email waits a little first, and is not sent if you have seen it in the app by then."
          : "Email is not set up on this server yet: these take effect once it is."}
      </p>
      <SubmitButton className="button button--primary" disabled={pending}>
        Save email settings
      </SubmitButton>
      {/* Always rendered, so screen readers announce the result when it appears. */}
      <p role="status" aria-live="polite" className={result && !result.ok ? "field__error" : "muted"}>
        {result?.text}
      </p>
    </ClientForm>
  );
}
