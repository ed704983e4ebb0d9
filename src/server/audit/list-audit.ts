import "server-only";
import { AUDIT_ACTIONS, type AuditAction, type AuditEntryDTO, type AuditValues } from "../../shared/audit";
import { db } from "../db";
import { authorize, type Actor } from "../policy";

/** Newest audit entries first (admins only), at most `limit`. */
export async function listAudit(actor: Actor, limit = 200): Promise<AuditEntryDTO[]> {
  authorize(actor, "audit:read");
  const rows = await db().auditEntry.findMany({
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    include: { actor: { select: { id: true, name: true } }, target: { select: { id: true, name: true, email: true } } },
  });
  return rows.map((r) => ({
    id: r.id,
    action: (AUDIT_ACTIONS as readonly string[]).includes(r.action) ? (r.action as AuditAction) : "user:update",
    actor: r.actor,
    target: r.target,
    before: (r.before as AuditValues | null) ?? null,
    after: (r.after as AuditValues | null) ?? null,
    createdAt: r.createdAt.toISOString(),
  }));
}
