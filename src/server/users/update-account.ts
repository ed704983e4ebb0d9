import "server-only";
import type { SessionUser } from "../../shared/dto";
import type { TUpdateAccount } from "../../shared/schemas/users";
import { recordAudit } from "../audit/record-audit";
import { db } from "../db";
import { authorize } from "../policy";

/**
 * The signed-in user changes their own name. Audited like an admin's rename
 * (the actor is the user): the name is what staff and mail show, and an
 * admin looking into an account needs every change of it.
 */
export async function updateAccount(actor: SessionUser, input: TUpdateAccount): Promise<SessionUser> {
  authorize(actor, "account:update:own");
  return db().$transaction(async (tx) => {
    const before = await tx.user.findUniqueOrThrow({ where: { id: actor.id }, select: { name: true } });
    const user = await tx.user.update({ where: { id: actor.id }, data: { name: input.name }, select: { id: true, name: true, email: true, role: true } });
    if (before.name !== user.name) {
      await recordAudit(tx, { actorId: actor.id, action: "user:update", targetUserId: actor.id, before: { name: before.name }, after: { name: user.name } });
    }
    return user;
  });
}
