import type { Metadata } from "next";
import { TicketsOverview } from "../../components/tickets/tickets-overview";
import type { ListQuery } from "../../client/list-query";
import { listTickets } from "../../server/tickets/list-tickets";
import { listStaff } from "../../server/users/list-staff";
import { can, permissionsOf } from "../../server/policy";
import { effectiveSort, ZListTickets } from "../../shared/schemas/tickets";
import { requirePageUser } from "../_lib/session";
import { listViews } from "../../server/views/list-views";

export const metadata: Metadata = { title: "Tickets" };

const PAGE_SIZE = 25;

type SearchParams = Record<string, string | string[] | undefined>;

/** URL params → list query. Empty and invalid values are dropped rather than failing the page. */
function parseQuery(params: SearchParams, staff: boolean): ListQuery {
  const pick = (key: string) => {
    const v = params[key];
    const s = (Array.isArray(v) ? v[0] : v)?.trim();
    return s ? s : undefined;
  };
  const fields = ZListTickets.shape;
  const ok = <T,>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, v: unknown) => {
    const r = schema.safeParse(v);
    return r.success ? r.data : undefined;
  };
  const q = ok(fields.q, pick("q"));
  return {
    status: ok(fields.status, pick("status")),
    priority: ok(fields.priority, pick("priority")),
    // Only staff filter by assignee; a requester only ever sees their own tickets.
    assignee: staff ? ok(fields.assignee, pick("assignee")) : undefined,
    state: ok(fields.state, pick("state")),
    // Tags are staff-only too.
    tag: staff ? ok(fields.tag, pick("tag")) : undefined,
    q,
    sort: effectiveSort({ q, sort: ok(fields.sort, pick("sort")) }),
  };
}

export default async function TicketsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const returnTo = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v ?? []].flat()) returnTo.append(k, one);
  const user = await requirePageUser(returnTo.size ? `/tickets?${returnTo}` : "/tickets");
  const staff = permissionsOf(user).seeAllTickets;
  const query = parseQuery(params, staff);
  const [page, staffList, views] = await Promise.all([
    listTickets(user, ZListTickets.parse({ ...query, limit: PAGE_SIZE })),
    can(user, "user:list:staff") ? listStaff(user) : Promise.resolve(null),
    listViews(user),
  ]);
  // The heading (a view's name, else what the list is), the views and the list share the query.
  return <TicketsOverview initialQuery={query} initialPage={page} views={views} staff={staffList} seeAllTickets={staff} userId={user.id} pageSize={PAGE_SIZE} />;
}
