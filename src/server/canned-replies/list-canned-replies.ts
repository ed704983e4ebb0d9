import "server-only";
import type { CannedReplyDTO } from "../../shared/dto";
import { db } from "../db";
import { type Actor, cannedReplyScope } from "../policy";
import { cannedReplyDTO } from "./serialize";

/** Bound on what one list returns; a team's saved answers are far fewer. */
const MAX_CANNED_REPLIES = 500;

/** The shared canned replies and `actor`'s own personal ones, by title (staff only). */
export async function listCannedReplies(actor: Actor): Promise<CannedReplyDTO[]> {
  const rows = await db().cannedReply.findMany({ where: cannedReplyScope(actor), orderBy: [{ title: "asc" }, { id: "asc" }], take: MAX_CANNED_REPLIES });
  return rows.map((row) => cannedReplyDTO(actor, row));
}
