import "server-only";
import type { SessionUser } from "../../shared/dto";
import type { TUpdateAccount } from "../../shared/schemas/users";
import { db } from "../db";
import { authorize } from "../policy";

/** The signed-in user changes their own name (not audited: not an administrative change). */
export async function updateAccount(actor: SessionUser, input: TUpdateAccount): Promise<SessionUser> {
  authorize(actor, "account:update:own");
  return db().user.update({ where: { id: actor.id }, data: { name: input.name }, select: { id: true, name: true, email: true, role: true } });
}
