import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ForgotPasswordForm } from "../../components/auth/forgot-password-form";
import { Link } from "../../components/ui/link";
import { env } from "../../server/env";
import { currentUser } from "../_lib/session";

export const metadata: Metadata = { title: "Forgot your password?" };
export const dynamic = "force-dynamic";

/** Ask for a link to set a new password, by mail; without mail, who to ask instead. */
export default async function ForgotPasswordPage() {
  if (await currentUser()) redirect("/account");
  const mail = env().mailEnabled;
  return (
    <div className="auth">
      <section className="card auth__card" aria-labelledby="forgot-title">
        <h1 id="forgot-title">Forgot your password?</h1>
        {mail ? (
          <>
            <p className="muted">Enter the address you sign in with: we mail you a link to choose a new password.</p>
            <ForgotPasswordForm />
          </>
        ) : (
          <p>This site does not send mail, so it cannot send you a link. Ask an administrator to send you one, or to set a new password for you.</p>
        )}
        <p className="muted">
          <Link href="/login">Back to sign in</Link>
        </p>
      </section>
    </div>
  );
}
