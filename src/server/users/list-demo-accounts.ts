import "server-only";
import type { Role } from "../../shared/enums";
import { db } from "../db";
import { DEMO_USERS } from "../setup/seed-demo";

/**
 * The demo accounts still usable, for the sign-in page's hint: those seeded
 * (a first start on the embedded database, or `npm run db:seed`) and active,
 * in the seed's order. The page listed all four always, on every install
 * (PostgreSQL ones with no demo accounts included), telling every visitor
 * the admin's address. Once a team deactivates them, as going live asks,
 * the hint is gone.
 */
export async function listDemoAccounts(): Promise<{ email: string; role: Role }[]> {
  const active = await db().user.findMany({ where: { email: { in: DEMO_USERS.map((u) => u.email) }, active: true }, select: { email: true, role: true } });
  const roles = new Map(active.map((u) => [u.email, u.role]));
  return DEMO_USERS.flatMap((u) => {
    const role = roles.get(u.email);
    return role ? [{ email: u.email, role }] : [];
  });
}
