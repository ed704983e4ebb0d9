import type { Metadata } from "next";
import { Link } from "../../../components/ui/link";
import { AcceptInviteForm } from "../../../components/auth/sign-up-form";
import { findInvite } from "../../../server/users/find-invite";

export const metadata: Metadata = { title: "Set your password", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

/** An invite link: whoever holds it sets the account's password once, then is signed in. */
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invite = await findInvite(token);
  return (
    <div className="auth">
      <section className="card auth__card" aria-labelledby="invite-title">
        {invite ? (
          <>
            <h1 id="invite-title">Welcome, {invite.name}</h1>
            <p>
              Set a password for <strong>{invite.email}</strong>.
            </p>
            <AcceptInviteForm token={token} />
          </>
        ) : (
          <>
            <h1 id="invite-title">This link no longer works</h1>
            <p>It has expired or was already used. Ask an administrator for a new one.</p>
            <p>
              <Link href="/login">Sign in</Link>
            </p>
          </>
        )}
      </section>
    </div>
  );
}
