import "server-only";
import type { UserDTO } from "../../shared/dto";
import { db } from "../db";
import { type Actor, authorize } from "../policy";

/** Every user with role and active flag, by name (admins only). */
export async function listUsers(actor: Actor): Promise<UserDTO[]> {
  authorize(actor, "user:list");
  return db().user.findMany({
    select: { id: true, name: true, email: true, role: true, active: true },
    orderBy: [{ name: "asc" }, { id: "asc" }],
  });
}
