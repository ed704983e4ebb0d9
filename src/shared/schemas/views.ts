/** Saved view schemas: the API route and the "Save view" form alike. */
import { z } from "zod";
import { ZListTickets } from "./tickets";
import { line } from "./text";

/** A view's filter: the list query's filter fields. */
export const ZViewFilter = ZListTickets.pick({ status: true, priority: true, assignee: true, state: true, tag: true, q: true });

export const ZSaveView = z.object({
  name: line("A view name").trim().min(1, "Give the view a name").max(60, "At most 60 characters"),
  filter: ZViewFilter,
});
export type TSaveView = z.infer<typeof ZSaveView>;
