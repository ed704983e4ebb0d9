import "server-only";
import type { SessionUser, TagDTO } from "../../shared/dto";
import type { TListTags } from "../../shared/schemas/tags";
import { db } from "../db";
import { authorize } from "../policy";

/**
 * Tags in use (on at least one ticket), most used first, for the tag box's
 * suggestions and the list's tag filter. Staff only.
 */
export async function listTags(actor: SessionUser, query: TListTags): Promise<TagDTO[]> {
  authorize(actor, "ticket:tag");
  // Prisma's startsWith is a LIKE it does not escape: `_` (allowed in tag
  // names) and `%` matched any character. Backslash is LIKE's escape.
  const prefix = query.prefix?.replace(/[\\%_]/g, "\\$&");
  const rows = await db().tag.findMany({
    where: { tickets: { some: {} }, ...(prefix ? { name: { startsWith: prefix } } : {}) },
    select: { name: true, _count: { select: { tickets: true } } },
    orderBy: [{ tickets: { _count: "desc" } }, { name: "asc" }],
    take: query.limit,
  });
  return rows.map((r) => ({ name: r.name, count: r._count.tickets }));
}
