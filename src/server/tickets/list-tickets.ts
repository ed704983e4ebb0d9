import "server-only";
import type { Prisma } from "../../generated/prisma/client";
import type { Page, SessionUser, TicketDTO } from "../../shared/dto";
import { effectiveSort, type TListTickets } from "../../shared/schemas/tickets";
import { db } from "../db";
import { withStatementTimeout } from "../db/with-statement-timeout";
import { env } from "../env";
import { audienceOf, authorizeTagFilter, isUnreadFor, ticketScope } from "../policy";
import { ticketListInclude, toTicketDTO } from "../serializers";
import { decodeDateCursor, encodeCursor } from "./list-cursor";
import { searchTickets } from "./search-tickets";
import { CLOSED_STATUSES } from "../../shared/views";

type SortKey = "updatedAt" | "createdAt";
const SORTS: Record<Exclude<TListTickets["sort"], "relevance" | undefined>, { key: SortKey; dir: "asc" | "desc" }> = {
  updated_desc: { key: "updatedAt", dir: "desc" },
  updated_asc: { key: "updatedAt", dir: "asc" },
  created_desc: { key: "createdAt", dir: "desc" },
  created_asc: { key: "createdAt", dir: "asc" },
};

/**
 * Tickets `actor` may see, filtered and sorted, a page at a time. Keyset
 * pagination on (sort field, id) keeps pages stable while tickets change.
 * With `q` it is a full-text search (search-tickets.ts).
 */
export async function listTickets(actor: SessionUser, query: TListTickets): Promise<Page<TicketDTO>> {
  authorizeTagFilter(actor, query.tag);
  if (query.q) return searchTickets(actor, { ...query, q: query.q });
  const sortName = effectiveSort(query);
  const sort = SORTS[sortName === "relevance" ? "updated_desc" : sortName];
  const and: Prisma.TicketWhereInput[] = [];
  and.push(ticketScope(actor));
  if (query.status) and.push({ status: query.status });
  if (query.state === "open") and.push({ status: { notIn: [...CLOSED_STATUSES] } });
  if (query.priority) and.push({ priority: query.priority });
  if (query.tag) and.push({ tags: { some: { tag: { name: query.tag } } } });
  if (query.assignee === "none") and.push({ assigneeId: null });
  else if (query.assignee === "me") and.push({ assigneeId: actor.id });
  else if (query.assignee) and.push({ assigneeId: query.assignee });
  if (query.cursor) {
    const c = decodeDateCursor(query.cursor);
    const at = new Date(c.v);
    const beyond = sort.dir === "desc" ? { lt: at } : { gt: at };
    const idBeyond = sort.dir === "desc" ? { lt: c.id } : { gt: c.id };
    and.push({ OR: [{ [sort.key]: beyond }, { [sort.key]: at, id: idBeyond }] });
  }

  const rows = await withStatementTimeout(db(), env().LIST_STATEMENT_TIMEOUT_MS, (tx) =>
    tx.ticket.findMany({
      where: { AND: and },
      include: { ...ticketListInclude, reads: { where: { userId: actor.id }, select: { seq: true } } },
      orderBy: [{ [sort.key]: sort.dir }, { id: sort.dir }],
      take: query.limit + 1,
    }),
  );
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  const nextCursor =
    rows.length > query.limit && last ? encodeCursor({ v: last[sort.key].toISOString(), id: last.id }) : null;
  return {
    items: items.map((t) => ({ ...toTicketDTO(t, audienceOf(actor)), unread: isUnreadFor(actor, t, t.reads[0]?.seq ?? 0) })),
    nextCursor,
  };
}
