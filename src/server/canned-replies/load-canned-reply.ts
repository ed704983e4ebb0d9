import "server-only";
import { ID_PATTERN } from "../../shared/schemas/text";
import { db } from "../db";
import { AppError } from "../errors";
import { type Actor, authorize, mayEditCannedReply, maySeeCannedReply } from "../policy";

/**
 * Load a canned reply `actor` may edit. Requesters are refused outright
 * (403); unknown ids and other people's personal replies are both NOT_FOUND,
 * so personal replies cannot be probed; a shared one a non-admin may read
 * but not change is FORBIDDEN.
 */
export async function loadCannedReplyToEdit(actor: Actor, id: string) {
  authorize(actor, "canned:use");
  const notFound = new AppError("NOT_FOUND", "Canned reply not found");
  if (!ID_PATTERN.test(id)) throw notFound;
  const reply = await db().cannedReply.findUnique({ where: { id } });
  if (!reply || !maySeeCannedReply(actor, reply)) throw notFound;
  if (!mayEditCannedReply(actor, reply)) throw new AppError("FORBIDDEN", "Only admins change shared canned replies");
  return reply;
}
