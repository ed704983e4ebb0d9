import "server-only";
import type { DraftSaved } from "../../shared/realtime";
import { db } from "../db";
import { can } from "../policy";
import { loadTicketFor } from "../tickets/load-ticket";
import type { SessionUser } from "../../shared/dto";

/** The actor's saved reply-box draft on a ticket they may comment on, or null. */
export async function getDraft(actor: SessionUser, ticketId: string): Promise<Omit<DraftSaved, "clientId"> | null> {
  const ticket = await loadTicketFor(actor, ticketId, "comment:create");
  const draft = await db().draft.findUnique({ where: { userId_ticketId: { userId: actor.id, ticketId } } });
  if (!draft) return null;
  return {
    ticketId,
    body: draft.body,
    // A draft saved as a note by someone who has since lost the right to write notes comes back as a reply draft.
    internal: draft.internal && can(actor, "comment:internal:create", ticket),
    updatedAt: draft.updatedAt.toISOString(),
  };
}
