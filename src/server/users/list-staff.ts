import "server-only";
import type { UserRef } from "../../shared/dto";
import { db } from "../db";
import { ASSIGNABLE, type Actor, authorize } from "../policy";

/** Active agents and admins: the people a ticket can be assigned to. */
export async function listStaff(actor: Actor): Promise<UserRef[]> {
  authorize(actor, "user:list:staff");
  return db().user.findMany({
    where: ASSIGNABLE,
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
}
