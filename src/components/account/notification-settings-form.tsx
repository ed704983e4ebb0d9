"use client";

import { useSettingsForm } from "../../client/use-settings-form";
import { NOTIFICATION_KIND_LABELS, NOTIFICATION_KIND_REQUESTER_HINTS, type NotificationKind, type NotificationSettingsDTO } from "../../shared/notifications";
import { ZUpdateNotificationSettings } from "../../shared/schemas/notifications";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useHydrated } from "../../hooks/use-hydrated";

/**
 * The user's notification switches. Shows only the kinds that apply to them
 * (`kinds`, from the policy); saves them with PUT /api/notifications/settings,
 * validated by the same schema as the route.
 */
export function NotificationSettingsForm({ initial, kinds, requester }: { initial: NotificationSettingsDTO; kinds: NotificationKind[]; requester: boolean }) {
  const { settings, setSettings, pending, result, save: put } = useSettingsForm<NotificationSettingsDTO, typeof ZUpdateNotificationSettings>(initial, { url: "/api/notifications/settings", schema: ZUpdateNotificationSettings });
  // Switches toggled before hydration would show but never reach the state: they wait for the page.
  const hydrated = useHydrated();

  const save = (e: React.FormEvent) => put(e, Object.fromEntries(kinds.map((k) => [k, settings[k]])));

  return (
    <ClientForm onSubmit={save} aria-label="Notification settings">
      <fieldset className="notification-settings" disabled={!hydrated}>
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
              <strong>{NOTIFICATION_KIND_LABELS[kind].label}</strong> — {(requester && NOTIFICATION_KIND_REQUESTER_HINTS[kind]) || NOTIFICATION_KIND_LABELS[kind].hint}
            </span>
          </label>
        ))}
      </fieldset>
      <SubmitButton className="button button--primary" disabled={pending}>
        Save notification settings
      </SubmitButton>
      {/* Always rendered, so screen readers announce the result when it appears. */}
      <p role="status" aria-live="polite" className={result && !result.ok ? "field__error" : "muted"}>
        {result?.text}
      </p>
    </ClientForm>
  );
}
