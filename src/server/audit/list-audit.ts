import "server-only";
import { AUDIT_ACTIONS, type AuditAction, type AuditEntryDTO, type AuditValues } from "../../shared/audit";
import { db } from "../db";
import { authorize, type Actor } from "../policy";
import { decodeDateCursor, encodeCursor } from "../tickets/list-cursor";

/**
 * Audit entries newest first (admins only), `limit` at a time; `nextCursor`
 * continues with older ones, so the first week's changes can still be read
 * after thousands more (the page and the API used to stop at 200).
 */
export async function listAudit(actor: Actor, query: { cursor?: string; limit?: number } = {}): Promise<{ items: AuditEntryDTO[]; nextCursor: string | null }> {
  authorize(actor, "audit:read");
  const limit = query.limit ?? 200;
  const after = query.cursor ? decodeDateCursor(query.cursor) : null;
  const rows = await db().auditEntry.findMany({
    where: after ? { OR: [{ createdAt: { lt: new Date(after.v) } }, { createdAt: new Date(after.v), id: { lt: after.id } }] } : {},
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    include: { actor: { select: { id: true, name: true } }, target: { select: { id: true, name: true, email: true } } },
  });
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: r.id,
      action: (AUDIT_ACTIONS as readonly string[]).includes(r.action) ? (r.action as AuditAction) : "user:update",
      actor: r.actor,
      target: r.target,
      before: (r.before as AuditValues | null) ?? null,
      after: (r.after as AuditValues | null) ?? null,
      createdAt: r.createdAt.toISOString(),
    })),
    nextCursor: more && last ? encodeCursor({ v: last.createdAt.toISOString(), id: last.id }) : null,
  };
}
