import "server-only";
import type { SessionUser } from "../../shared/dto";
import type { DraftSaved } from "../../shared/realtime";
import type { TSaveDraft } from "../../shared/schemas/drafts";
import { db } from "../db";
import { authorize } from "../policy";
import { runtime } from "../runtime";
import { loadTicketFor } from "../tickets/load-ticket";

/**
 * Keep what the actor's reply box holds on a ticket (an empty body clears
 * it), and tell the user's other tabs and devices. Last write wins: the box
 * saves as the user types, so the newest save is the newest text.
 */
export async function saveDraft(actor: SessionUser, ticketId: string, input: TSaveDraft): Promise<DraftSaved> {
  const ticket = await loadTicketFor(actor, ticketId, "comment:create");
  if (input.internal) authorize(actor, "comment:internal:create", ticket);
  const where = { userId_ticketId: { userId: actor.id, ticketId } };
  let updatedAt = new Date();
  if (input.body === "") {
    await db().draft.deleteMany({ where: { userId: actor.id, ticketId } });
  } else {
    const saved = await db().draft.upsert({
      where,
      create: { userId: actor.id, ticketId, body: input.body, internal: input.internal },
      update: { body: input.body, internal: input.internal },
    });
    updatedAt = saved.updatedAt;
  }
  const draft: DraftSaved = { ticketId, body: input.body, internal: input.internal, updatedAt: updatedAt.toISOString(), clientId: input.clientId ?? null };
  runtime().toUser?.(actor.id, "draft:saved", draft);
  return draft;
}
