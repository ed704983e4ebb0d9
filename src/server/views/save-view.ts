import "server-only";
import type { SessionUser } from "../../shared/dto";
import type { TSaveView } from "../../shared/schemas/views";
import { filterOf } from "../../shared/views";
import { db, isUniqueViolation } from "../db";
import { AppError } from "../errors";
import { authorizeTagFilter } from "../policy";
import { runtime } from "../runtime";

/** Keep the current filter as one of the user's views. */
export async function saveView(actor: SessionUser, input: TSaveView): Promise<{ id: string; name: string }> {
  authorizeTagFilter(actor, input.filter.tag);
  try {
    const view = await db().savedView.create({ data: { userId: actor.id, name: input.name, filter: filterOf(input.filter) } });
    // The owner's other tabs show it too (views are nobody else's).
    runtime().toUser?.(actor.id, "views:changed", { id: view.id, change: "created" });
    return { id: view.id, name: view.name };
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("CONFLICT", "You already have a view with that name", { name: ["You already have a view with that name"] });
    throw e;
  }
}
