import type { Metadata } from "next";
import { EmailSettingsForm } from "../../components/account/email-settings-form";
import { ChangePasswordForm, NameForm } from "../../components/account/account-forms";
import { NotificationSettingsForm } from "../../components/account/notification-settings-form";
import { SignOutOtherSessions } from "../../components/account/sign-out-other-sessions";
import { ROLE_LABELS } from "../../components/lib/format";
import { env } from "../../server/env";
import { getEmailSettings } from "../../server/mail/get-email-settings";
import { getNotificationSettings } from "../../server/notifications/get-notification-settings";
import { audienceOf, mailKindsFor, notificationKindsFor } from "../../server/policy";
import { requirePageUser } from "../_lib/session";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await requirePageUser("/account");
  const [settings, email] = await Promise.all([getNotificationSettings(user), getEmailSettings(user)]);
  return (
    <div className="narrow">
      <h1>Account</h1>
      <section className="card" aria-labelledby="account-you">
        <h2 id="account-you" className="card__title">
          {user.name}
        </h2>
        <p>
          {user.email} · {ROLE_LABELS[user.role]}
        </p>
      </section>
      <section className="card" aria-labelledby="account-profile">
        <h2 id="account-profile" className="card__title">
          Profile
        </h2>
        <NameForm initial={user.name} />
      </section>
      <section className="card" aria-labelledby="account-password">
        <h2 id="account-password" className="card__title">
          Password
        </h2>
        <p className="muted">Changing it signs out your other sessions; this one stays signed in.</p>
        <ChangePasswordForm />
      </section>
      <section className="card" aria-labelledby="account-notifications">
        <h2 id="account-notifications" className="card__title">
          Notifications
        </h2>
        <NotificationSettingsForm initial={settings} kinds={notificationKindsFor(user)} requester={audienceOf(user) === "requester"} />
      </section>
      <section className="card" aria-labelledby="account-email">
        <h2 id="account-email" className="card__title">
          Email
        </h2>
        <EmailSettingsForm initial={email} kinds={mailKindsFor(user)} mailEnabled={env().mailEnabled} staff={audienceOf(user) === "staff"} />
      </section>
      <section className="card" aria-labelledby="account-sessions">
        <h2 id="account-sessions" className="card__title">
          Sessions
        </h2>
        <p className="muted">
          Signed in on another device or browser you no longer use, or think someone else is? End every session but
          this one: they are signed out at once, and their live updates stop.
        </p>
        <SignOutOtherSessions />
      </section>
    </div>
  );
}
