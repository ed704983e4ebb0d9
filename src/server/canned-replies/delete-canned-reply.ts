import "server-only";
import { db } from "../db";
import type { Actor } from "../policy";
import { announceCannedChange } from "./announce-canned-change";
import { loadCannedReplyToEdit } from "./load-canned-reply";

/** Delete a canned reply (see loadCannedReplyToEdit for who may); announced to whoever could see it. */
export async function deleteCannedReply(actor: Actor, id: string): Promise<void> {
  const reply = await loadCannedReplyToEdit(actor, id);
  // deleteMany: a concurrent delete of the same reply is not an error (and only the one that deleted it announces it).
  const { count } = await db().cannedReply.deleteMany({ where: { id } });
  if (count > 0) announceCannedChange(reply, "deleted");
}
