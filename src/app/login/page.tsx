import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "../../components/auth/login-form";
import { safeRedirectPath } from "../../shared/safe-redirect";
import { Link } from "../../components/ui/link";
import { maySignUp } from "../../server/policy";
import { getSettings } from "../../server/settings/get-settings";
import { currentUser } from "../_lib/session";
import { listDemoAccounts } from "../../server/users/list-demo-accounts";
import { ROLE_LABELS } from "../../components/lib/format";

export const metadata: Metadata = { title: "Sign in" };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const raw = first(params.callbackUrl);
  const callbackUrl = raw === undefined ? undefined : safeRedirectPath(raw);
  if (await currentUser()) redirect(callbackUrl ?? "/tickets");
  const demo = await listDemoAccounts();

  return (
    <div className="auth">
      <section className="card auth__card" aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Tandem</h1>
        <LoginForm callbackUrl={callbackUrl} initialError={first(params.error)} />
        <p className="muted">
          <Link href="/forgot-password">Forgot your password?</Link>
        </p>
        {maySignUp(await getSettings()) && (
          <p className="muted">
            New here? <Link href="/signup">Create an account</Link>
          </p>
        )}
      </section>
      {demo.length > 0 && (
        <aside className="card auth__hint" aria-labelledby="demo-title">
          <h2 id="demo-title">Demo accounts</h2>
          <ul className="demo-accounts">
            {demo.map(({ email, role }) => (
              <li key={email}>
                <code>{email}</code> <span className="muted">{ROLE_LABELS[role]}</span>
              </li>
            ))}
          </ul>
          <p className="muted">The demo password is printed in the server log when the server first starts.</p>
        </aside>
      )}
    </div>
  );
}
