import "server-only";
import type { CannedReplyDTO } from "../../shared/dto";
import type { TCreateCannedReply } from "../../shared/schemas/canned-replies";
import { db } from "../db";
import { type Actor, authorize } from "../policy";
import { announceCannedChange } from "./announce-canned-change";
import { cannedReplyDTO } from "./serialize";

/** Save a canned reply: shared (admins) or personal to `actor` (any staff); announced to whoever may see it. */
export async function createCannedReply(actor: Actor, input: TCreateCannedReply): Promise<CannedReplyDTO> {
  authorize(actor, "canned:use");
  if (input.shared) authorize(actor, "canned:shared:manage");
  const row = await db().cannedReply.create({ data: { title: input.title, body: input.body, ownerId: input.shared ? null : actor.id } });
  announceCannedChange(row, "created");
  return cannedReplyDTO(actor, row);
}
