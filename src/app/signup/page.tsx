import type { Metadata } from "next";
import { Link } from "../../components/ui/link";
import { notFound, redirect } from "next/navigation";
import { SignUpForm } from "../../components/auth/sign-up-form";
import { maySignUp } from "../../server/policy";
import { getSettings } from "../../server/settings/get-settings";
import { currentUser } from "../_lib/session";

export const metadata: Metadata = { title: "Sign up" };
export const dynamic = "force-dynamic";

/** Self sign-up as a requester; does not exist (404) while an admin has it switched off. */
export default async function SignUpPage() {
  if (!maySignUp(await getSettings())) notFound();
  if (await currentUser()) redirect("/tickets");
  return (
    <div className="auth">
      <section className="card auth__card" aria-labelledby="signup-title">
        <h1 id="signup-title">Create your Tandem account</h1>
        <SignUpForm />
        <p className="muted">
          Already have an account? <Link href="/login">Sign in</Link>
        </p>
      </section>
    </div>
  );
}
