import "server-only";
import type { SessionUser } from "../../shared/dto";
import { db } from "../db";
import { lastSeqFor } from "../events/view-event";
import { audienceOf } from "../policy";
import { runtime } from "../runtime";
import { loadTicketFor } from "./load-ticket";

/**
 * The actor has seen a ticket up to `seq` in their numbering. Never moves the
 * mark back (two tabs may report out of order) nor past the ticket's newest
 * event; the user's other tabs clear the row's unread mark.
 */
export async function markRead(actor: SessionUser, ticketId: string, seq: number): Promise<{ ticketId: string; seq: number }> {
  const ticket = await loadTicketFor(actor, ticketId);
  const upTo = Math.min(seq, lastSeqFor(ticket, audienceOf(actor)));
  const [row] = await db().$queryRaw<{ seq: number }[]>`
    INSERT INTO "TicketRead" ("userId", "ticketId", "seq", "readAt")
    VALUES (${actor.id}, ${ticketId}, ${upTo}, now())
    ON CONFLICT ("userId", "ticketId") DO UPDATE
      SET "seq" = GREATEST("TicketRead"."seq", EXCLUDED."seq"), "readAt" = EXCLUDED."readAt"
    RETURNING "seq"`;
  const read = { ticketId, seq: Number(row!.seq) };
  runtime().toUser?.(actor.id, "ticket:read", read);
  return read;
}
