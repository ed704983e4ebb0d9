import "server-only";
import type { CannedReplyDTO } from "../../shared/dto";
import { type Actor, mayEditCannedReply } from "../policy";

/** A stored canned reply as `actor` sees it. */
export function cannedReplyDTO(actor: Actor, row: { id: string; title: string; body: string; ownerId: string | null; updatedAt: Date }): CannedReplyDTO {
  return { id: row.id, title: row.title, body: row.body, shared: row.ownerId === null, canEdit: mayEditCannedReply(actor, row), updatedAt: row.updatedAt.toISOString() };
}
