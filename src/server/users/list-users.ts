import "server-only";
import type { UserDTO } from "../../shared/dto";
import type { TListUsers } from "../../shared/schemas/users";
import { ID_PATTERN } from "../../shared/schemas/text";
import { db } from "../db";
import { AppError } from "../errors";
import { type Actor, authorize } from "../policy";

const userSelect = { id: true, name: true, email: true, role: true, active: true } as const;

/** Opaque keyset cursor of the users list: the last row's name and id. */
type UserCursor = { n: string; id: string };

function encode(c: UserCursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decode(raw: string): UserCursor {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Partial<UserCursor>;
    if (typeof c.n === "string" && c.n.length <= 100 && typeof c.id === "string" && ID_PATTERN.test(c.id)) return { n: c.n, id: c.id };
  } catch {
    /* fall through */
  }
  throw new AppError("VALIDATION", "Invalid cursor", { cursor: ["Invalid cursor"] });
}

/**
 * A page of users by name (admins only), narrowed by `q` (part of a name or
 * an address), a role or active state; `nextCursor` continues it. Requesters
 * who sign themselves up grow this to thousands: the page used to send every
 * one of them, each row with its forms.
 */
export async function listUsers(actor: Actor, query: TListUsers): Promise<{ items: UserDTO[]; nextCursor: string | null }> {
  authorize(actor, "user:list");
  const after = query.cursor ? decode(query.cursor) : null;
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
  return { items: page, nextCursor: more && last ? encode({ n: last.name, id: last.id }) : null };
}
