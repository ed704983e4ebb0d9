/** Ticket request schemas: validate the API routes and the ticket forms alike. */
import { z } from "zod";
import { TICKET_PRIORITIES, TICKET_STATUSES } from "../enums";
import { ZTagName } from "./tags";
import { line, text, ZId } from "./text";

export const ZCreateTicket = z.object({
  title: line("A title").trim().min(3, "Title must be at least 3 characters").max(200, "Title is too long"),
  description: text()
    .trim()
    .min(1, "Description is required")
    .max(20_000, "Description is too long"),
  priority: z.enum(TICKET_PRIORITIES).optional(),
});
export type TCreateTicket = z.infer<typeof ZCreateTicket>;

export const ZUpdateTicket = z
  .object({
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    assigneeId: ZId.nullable().optional(),
    title: line("A title").trim().min(3, "Title must be at least 3 characters").max(200, "Title is too long").optional(),
    /** The version the client last saw; a stale one is refused with 409. */
    version: z.number().int().min(1).optional(),
  })
  .strict()
  .refine(
    (v) => ["status", "priority", "assigneeId", "title"].some((k) => k in v),
    { message: "Nothing to change", path: ["status"] },
  );
export type TUpdateTicket = z.infer<typeof ZUpdateTicket>;

/** "relevance" orders search results best first; it is the default when `q` is given, and means updated_desc without one. */
export const TICKET_SORTS = ["relevance", "updated_desc", "updated_asc", "created_desc", "created_asc"] as const;

export const ZListTickets = z.object({
  status: z.enum(TICKET_STATUSES).optional(),
  priority: z.enum(TICKET_PRIORITIES).optional(),
  /** A user id, "me", or "none" for unassigned. */
  assignee: z.union([z.enum(["me", "none"]), ZId]).optional(),
  /** "open": not Resolved or Closed (the built-in views' "open"). */
  state: z.enum(["open"]).optional(),
  /** Tickets carrying this tag (staff only; normalized like every tag). */
  tag: ZTagName.optional(),
  q: text().trim().max(200).optional(),
  /** Defaults to "relevance" with `q`, to "updated_desc" without (see effectiveSort). */
  sort: z.enum(TICKET_SORTS).optional(),
  cursor: text().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type TListTickets = z.infer<typeof ZListTickets>;

/** The order a list query is served in: its sort, or the default for it (relevance only applies to a search). */
export function effectiveSort(query: { q?: string; sort?: (typeof TICKET_SORTS)[number] }): (typeof TICKET_SORTS)[number] {
  if (!query.q) return !query.sort || query.sort === "relevance" ? "updated_desc" : query.sort;
  return query.sort ?? "relevance";
}
