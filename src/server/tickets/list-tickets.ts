import "server-only";
import type { Prisma } from "../../generated/prisma/client";
import type { Page, SessionUser, TicketDTO } from "../../shared/dto";
import { ID_PATTERN } from "../../shared/schemas/text";
import type { TListTickets } from "../../shared/schemas/tickets";
import { db } from "../db";
import { withStatementTimeout } from "../db/with-statement-timeout";
import { env } from "../env";
import { AppError } from "../errors";
import { audienceOf, isUnreadFor, ticketScope } from "../policy";
import { ticketListInclude, toTicketDTO } from "../serializers";

type SortKey = "updatedAt" | "createdAt";
const SORTS: Record<TListTickets["sort"], { key: SortKey; dir: "asc" | "desc" }> = {
  updated_desc: { key: "updatedAt", dir: "desc" },
  updated_asc: { key: "updatedAt", dir: "asc" },
  created_desc: { key: "createdAt", dir: "desc" },
  created_asc: { key: "createdAt", dir: "asc" },
};

type Cursor = { v: string; id: string };

/**
 * Make `%`, `_` and the escape character itself literal in a LIKE pattern.
 * Prisma's `contains` on PostgreSQL builds `ILIKE '%' || $1 || '%'` without
 * escaping, so `q=%` would match every ticket; PostgreSQL's default LIKE
 * escape character is the backslash.
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function inTimestampRange(iso: string): boolean {
  const t = Date.parse(iso);
  return !Number.isNaN(t) && t >= Date.UTC(1970, 0, 1) && t < Date.UTC(10000, 0, 1);
}

function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Cursor;
    // Cursors come back from clients: only well-formed ids and dates PostgreSQL can compare.
    if (typeof c.v === "string" && typeof c.id === "string" && ID_PATTERN.test(c.id) && inTimestampRange(c.v)) return c;
  } catch {
    /* fall through */
  }
  throw new AppError("VALIDATION", "Invalid cursor", { cursor: ["Invalid cursor"] });
}

/**
 * Tickets `actor` may see, filtered and sorted, a page at a time. Keyset
 * pagination on (sort field, id) keeps pages stable while tickets change.
 */
export async function listTickets(actor: SessionUser, query: TListTickets): Promise<Page<TicketDTO>> {
  const sort = SORTS[query.sort];
  const and: Prisma.TicketWhereInput[] = [];
  and.push(ticketScope(actor));
  if (query.status) and.push({ status: query.status });
  if (query.priority) and.push({ priority: query.priority });
  if (query.assignee === "none") and.push({ assigneeId: null });
  else if (query.assignee === "me") and.push({ assigneeId: actor.id });
  else if (query.assignee) and.push({ assigneeId: query.assignee });
  if (query.q) {
    const number = /^#?(\d{1,9})$/.exec(query.q)?.[1];
    and.push({
      OR: [
        { title: { contains: escapeLike(query.q), mode: "insensitive" } },
        { description: { contains: escapeLike(query.q), mode: "insensitive" } },
        ...(number ? [{ number: Number(number) }] : []),
      ],
    });
  }
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
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
