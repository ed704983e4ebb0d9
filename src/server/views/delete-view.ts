import "server-only";
import type { SessionUser } from "../../shared/dto";
import { ID_PATTERN } from "../../shared/schemas/text";
import { db } from "../db";
import { AppError } from "../errors";
import { runtime } from "../runtime";

/** Remove one of the user's own views; anyone else's is not found. */
export async function deleteView(actor: SessionUser, id: string): Promise<void> {
  if (!ID_PATTERN.test(id)) throw new AppError("NOT_FOUND", "View not found");
  const { count } = await db().savedView.deleteMany({ where: { id, userId: actor.id } });
  if (count === 0) throw new AppError("NOT_FOUND", "View not found");
  runtime().toUser?.(actor.id, "views:changed", { id, change: "deleted" });
}
