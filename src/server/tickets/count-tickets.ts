import "server-only";
import type { Actor } from "../policy";
import { authorizeTagFilter, ticketScope } from "../policy";
import { db } from "../db";
import type { ViewFilter } from "../../shared/views";
import { CLOSED_STATUSES } from "../../shared/views";
import type { TicketPriority, TicketStatus } from "../../shared/enums";

/** How many tickets `actor` may see match a filter without a search (views' counts). */
export async function countTickets(actor: Actor, filter: ViewFilter): Promise<number> {
  authorizeTagFilter(actor, filter.tag);
  return db().ticket.count({
    where: {
      AND: [
        ticketScope(actor),
        filter.status ? { status: filter.status as TicketStatus } : {},
        filter.state === "open" ? { status: { notIn: [...CLOSED_STATUSES] } } : {},
        filter.priority ? { priority: filter.priority as TicketPriority } : {},
        filter.tag ? { tags: { some: { tag: { name: filter.tag } } } } : {},
        filter.assignee === "none" ? { assigneeId: null } : filter.assignee === "me" ? { assigneeId: actor.id } : filter.assignee ? { assigneeId: filter.assignee } : {},
      ],
    },
  });
}
