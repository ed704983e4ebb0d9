import "server-only";
import type { CannedReplyDTO } from "../../shared/dto";
import type { TUpdateCannedReply } from "../../shared/schemas/canned-replies";
import { db } from "../db";
import type { Actor } from "../policy";
import { announceCannedChange } from "./announce-canned-change";
import { loadCannedReplyToEdit } from "./load-canned-reply";
import { cannedReplyDTO } from "./serialize";

/** Change a canned reply's title and/or text (see loadCannedReplyToEdit for who may); announced to whoever may see it. */
export async function updateCannedReply(actor: Actor, id: string, input: TUpdateCannedReply): Promise<CannedReplyDTO> {
  await loadCannedReplyToEdit(actor, id);
  const row = await db().cannedReply.update({
    where: { id },
    data: { ...(input.title !== undefined ? { title: input.title } : {}), ...(input.body !== undefined ? { body: input.body } : {}) },
  });
  announceCannedChange(row, "updated");
  return cannedReplyDTO(actor, row);
}
