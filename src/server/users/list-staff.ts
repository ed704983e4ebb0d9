import "server-only";
import type { StaffRef } from "../../shared/dto";
import { handleOf } from "../../shared/mentions";
import { db } from "../db";
import { ASSIGNABLE, type Actor, authorize } from "../policy";

/**
 * Active agents and admins: the people a ticket can be assigned to and who
 * can be @mentioned, with their handle (the email's local part). Staff only:
 * handles name staff email addresses.
 */
export async function listStaff(actor: Actor): Promise<StaffRef[]> {
  authorize(actor, "user:list:staff");
  const staff = await db().user.findMany({
    where: ASSIGNABLE,
    select: { id: true, name: true, email: true },
    orderBy: { name: "asc" },
  });
  return staff.map((s) => ({ id: s.id, name: s.name, handle: handleOf(s.email) }));
}
