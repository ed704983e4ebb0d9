import type { Metadata } from "next";
import { Link } from "../../components/ui/link";
import { MAIL_KIND_LABELS, mailKindHint } from "../../shared/mail";
import { readUnsubscribeToken } from "../../server/mail/unsubscribe";

export const metadata: Metadata = { title: "Unsubscribe" };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * The page every mail's "Stop these emails" link opens. No session needed:
 * the signed token says whose mail and which kind. Opening it changes
 * nothing (link scanners open links too); the button does, with a plain form
 * POST to /api/unsubscribe that works without JavaScript.
 */
export default async function UnsubscribePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const token = first(params.token) ?? "";
  const target = token.length > 0 && token.length <= 512 ? await readUnsubscribeToken(token) : null;
  if (!target) {
    return (
      <div className="narrow">
        <h1>Unsubscribe</h1>
        <section className="card">
          <p>This unsubscribe link is not valid. You can change which emails you get on your <Link href="/account">account page</Link>.</p>
        </section>
      </div>
    );
  }
  const label = MAIL_KIND_LABELS[target.kind].label;
  return (
    <div className="narrow">
      <h1>Unsubscribe</h1>
      <section className="card" aria-labelledby="unsubscribe-title">
        {first(params.done) === "1" ? (
          <>
            <h2 id="unsubscribe-title" className="card__title">
              Unsubscribed
            </h2>
            <p role="status">
              {target.email} no longer gets “{label}” emails. Turn them on again, or change the others, on your{" "}
              <Link href="/account">account page</Link>.
            </p>
          </>
        ) : (
          <>
            <h2 id="unsubscribe-title" className="card__title">
              Stop “{label}” emails?
            </h2>
            <p>
              {target.email} will no longer get emails about: {mailKindHint(target.kind, target.staff)} Notifications in the app
              stay as they are.
            </p>
            <form method="post" action="/api/unsubscribe">
              <input type="hidden" name="token" value={token} />
              <button type="submit" className="button button--primary">
                Unsubscribe
              </button>
            </form>
          </>
        )}
      </section>
    </div>
  );
}
