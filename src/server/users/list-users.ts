import "server-only";
import type { UserDTO } from "../../shared/dto";
import type { TListUsers } from "../../shared/schemas/users";
import { db } from "../db";
import { type Actor, authorize } from "../policy";
import { decodeNameCursor, encodeCursor } from "../tickets/list-cursor";

const userSelect = { id: true, name: true, email: true, role: true, active: true } as const;

/**
 * A page of users by name (admins only), narrowed by `q` (part of a name or
 * an address), a role or active state; `nextCursor` continues it. Requesters
 * who sign themselves up grow this to thousands: the page used to send every
 * one of them, each row with its forms.
 */
export async function listUsers(actor: Actor, query: TListUsers): Promise<{ items: UserDTO[]; nextCursor: string | null }> {
  authorize(actor, "user:list");
  const after = query.cursor ? decodeNameCursor(query.cursor) : null;
  const items = await db().user.findMany({
    select: userSelect,
    where: {
      ...(query.q ? { OR: [{ name: { contains: query.q, mode: "insensitive" as const } }, { email: { contains: query.q, mode: "insensitive" as const } }] } : {}),
      ...(query.role ? { role: query.role } : {}),
      ...(query.state ? { active: query.state === "active" } : {}),
      ...(after ? { AND: [{ OR: [{ name: { gt: after.n } }, { name: after.n, id: { gt: after.id } }] }] } : {}),
    },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: query.limit + 1,
  });
  const more = items.length > query.limit;
  const page = more ? items.slice(0, query.limit) : items;
  const last = page.at(-1);
  return { items: page, nextCursor: more && last ? encodeCursor({ n: last.name, id: last.id }) : null };
}
