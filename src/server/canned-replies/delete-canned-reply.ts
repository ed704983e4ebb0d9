import "server-only";
import { db } from "../db";
import type { Actor } from "../policy";
import { loadCannedReplyToEdit } from "./load-canned-reply";

/** Delete a canned reply (see loadCannedReplyToEdit for who may). */
export async function deleteCannedReply(actor: Actor, id: string): Promise<void> {
  await loadCannedReplyToEdit(actor, id);
  // deleteMany: a concurrent delete of the same reply is not an error.
  await db().cannedReply.deleteMany({ where: { id } });
}
