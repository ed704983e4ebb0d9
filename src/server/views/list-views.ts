import "server-only";
import type { SessionUser } from "../../shared/dto";
import { ZViewFilter } from "../../shared/schemas/views";
import { BUILT_IN_VIEWS, type ViewDTO, type ViewFilter } from "../../shared/views";
import { db } from "../db";
import { can } from "../policy";
import { listTickets } from "../tickets/list-tickets";
import { countTickets } from "../tickets/count-tickets";


/** Searches are counted up to this many (then "100+"): counting every hit of a common word would cost a full search. */
const SEARCH_COUNT_CAP = 100;

async function countOf(actor: SessionUser, filter: ViewFilter): Promise<{ count: number; more: boolean }> {
  if (!filter.q) return { count: await countTickets(actor, filter), more: false };
  const page = await listTickets(actor, { ...filter, limit: SEARCH_COUNT_CAP });
  return { count: page.items.length, more: page.nextCursor !== null };
}

/**
 * The views beside `actor`'s ticket list, each with how many tickets it
 * holds now: the built-in queues for staff (who work the queue), then the
 * user's own saved views. Counts go through the same scope as the list.
 */
export async function listViews(actor: SessionUser): Promise<ViewDTO[]> {
  const builtIn = can(actor, "ticket:list:all") ? BUILT_IN_VIEWS : [];
  const saved = await db().savedView.findMany({ where: { userId: actor.id }, orderBy: [{ name: "asc" }] });
  const views = [
    ...builtIn.map((v) => ({ id: v.id, name: v.name, filter: v.filter, saved: false })),
    // A stored filter that no longer parses (a removed status, say) is shown as matching nothing rather than breaking the page.
    ...saved.map((v) => {
      const parsed = ZViewFilter.safeParse(v.filter);
      // So is a tag filter its owner may no longer use (a former agent, now a requester).
      const filter = parsed.success && (parsed.data.tag === undefined || can(actor, "ticket:tag")) ? parsed.data : null;
      return { id: v.id, name: v.name, filter, saved: true };
    }),
  ];
  return Promise.all(
    views.map(async (v) => (v.filter ? { ...v, filter: v.filter, ...(await countOf(actor, v.filter)) } : { ...v, filter: {}, count: 0, more: false })),
  );
}
