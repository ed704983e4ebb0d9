import "server-only";
import type { AuditAction, AuditValues } from "../../shared/audit";
import type { Prisma } from "../../generated/prisma/client";

export type AuditRecord = {
  /** Null for the operator command line, which has no signed-in user. */
  actorId: string | null;
  action: AuditAction;
  targetUserId?: string | null;
  before?: AuditValues | null;
  after?: AuditValues | null;
};

/**
 * Append an audit entry inside the transaction `tx` of the change it
 * describes: the entry exists exactly when the change does. Callers pass
 * plain values only; passwords, hashes and tokens never belong here.
 */
export async function recordAudit(tx: Prisma.TransactionClient, entry: AuditRecord): Promise<void> {
  await tx.auditEntry.create({
    data: {
      actorId: entry.actorId,
      action: entry.action,
      targetUserId: entry.targetUserId ?? null,
      before: entry.before ?? undefined,
      after: entry.after ?? undefined,
    },
  });
}
