import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { MailRetryButton } from "../../../components/admin/mail-retry-button";
import { env } from "../../../server/env";
import { listMailQueue } from "../../../server/mail/list-mail-queue";
import { can } from "../../../server/policy";
import { requirePageUser } from "../../_lib/session";

export const metadata: Metadata = { title: "Mail" };
export const dynamic = "force-dynamic";

const at = (iso: string) => `${new Date(iso).toLocaleString("en-GB", { timeZone: "UTC" })} UTC`;

/** Admins only: the mail queue, and the mails that failed or are being retried, with "Send again". */
export default async function MailPage() {
  const user = await requirePageUser("/admin/mail");
  if (!can(user, "mail:inspect")) notFound();
  const { counts, problems } = await listMailQueue(user);
  return (
    <div>
      <h1>Mail</h1>
      {!env().mailEnabled && (
        <p className="alert">Email is not set up on this server (no SMTP_URL): nothing is queued or sent.</p>
      )}
      <section className="card" aria-labelledby="mail-counts">
        <h2 id="mail-counts" className="card__title">
          Queue
        </h2>
        <ul className="mail-counts">
          <li>
            <strong>{counts.due}</strong> due now
          </li>
          <li>
            <strong>{counts.retrying}</strong> waiting to be tried again
          </li>
          <li>
            <strong>{counts.failed}</strong> failed in the last 30 days
          </li>
          <li>
            <strong>{counts.sentLastDay}</strong> sent in the last day
          </li>
        </ul>
      </section>
      <section className="card" aria-labelledby="mail-problems">
        <h2 id="mail-problems" className="card__title">
          Failed and retrying
        </h2>
        <p className="muted">
          What the mail server last answered. A mail the server refused for the installation (unreachable, a wrong password)
          waits for the fix and goes out once mail works again; one refused for itself (no such mailbox) has failed: send it
          again once the cause is fixed. Newest 100 first.
        </p>
        {problems.length === 0 ? (
          <p className="muted">No mail has failed.</p>
        ) : (
          <div className="table-wrap">
            <table aria-label="Failed and retrying mail">
              <thead>
                <tr>
                  <th scope="col">Queued</th>
                  <th scope="col">To</th>
                  <th scope="col">Subject</th>
                  <th scope="col">State</th>
                  <th scope="col">Last answer</th>
                  <th scope="col">
                    <span className="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {problems.map((m) => (
                  <tr key={m.id}>
                    <td>{at(m.createdAt)}</td>
                    <td>
                      {m.to.name} &lt;{m.to.email}&gt;
                    </td>
                    <td className="cell--wrap">{m.subject}</td>
                    <td>
                      {m.status === "failed"
                        ? `Failed after ${m.attempts} ${m.attempts === 1 ? "try" : "tries"}`
                        : `Try ${m.attempts + 1} at ${at(m.nextAttemptAt)}`}
                    </td>
                    <td className="cell--wrap">{m.lastError ?? "—"}</td>
                    <td>{m.status === "failed" && <MailRetryButton id={m.id} subject={m.subject} to={m.to.email} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
