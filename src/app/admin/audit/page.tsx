import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { listAudit } from "../../../server/audit/list-audit";
import { can } from "../../../server/policy";
import { AUDIT_ACTION_LABELS, type AuditValues } from "../../../shared/audit";
import { requirePageUser } from "../../_lib/session";
import { Link } from "../../../components/ui/link";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

function values(v: AuditValues | null): string {
  if (!v) return "—";
  return Object.entries(v)
    .map(([k, x]) => `${k}: ${Array.isArray(x) ? x.join(", ") || "none" : String(x)}`)
    .join("; ");
}

/** Admins only: who changed which user or setting, when, from what to what; 200 at a time, newest first. */
export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser("/admin/audit");
  if (!can(user, "audit:read")) notFound();
  const raw = (await searchParams).before;
  const before = typeof raw === "string" && raw.length <= 500 ? raw : undefined;
  // A cursor that does not parse (edited by hand) shows the newest entries.
  const { items: entries, nextCursor } = await listAudit(user, { cursor: before }).catch(() => listAudit(user));
  return (
    <div>
      <h1>Audit log</h1>
      <p className="muted">Administrative changes, newest first. Passwords and invite links are never recorded, only that they were set.</p>
      <div className="table-wrap">
        <table aria-label="Audit log">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Whom</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>
                  <time dateTime={e.createdAt}>{new Date(e.createdAt).toLocaleString("en-GB", { timeZone: "UTC" })} UTC</time>
                </td>
                <td>{e.actor?.name ?? "Operator (command line)"}</td>
                <td>{AUDIT_ACTION_LABELS[e.action]}</td>
                <td>{e.target ? `${e.target.name} <${e.target.email}>` : "—"}</td>
                <td>{values(e.before)}</td>
                <td>{values(e.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries.length === 0 && <p className="muted">Nothing yet.</p>}
      <nav aria-label="Audit log pages" className="pager">
        {before && <Link href="/admin/audit">Newest entries</Link>}{" "}
        {nextCursor && <Link href={`/admin/audit?before=${encodeURIComponent(nextCursor)}`}>Older entries</Link>}
      </nav>
    </div>
  );
}
