import "server-only";
import { ID_PATTERN } from "../../shared/schemas/text";
import type { TicketStatus } from "../../generated/prisma/client";
import { db, sql } from "../db";
import { statement } from "../db/sql";
import { AppError } from "../errors";
import { type Action, type Actor, authorize } from "../policy";
import { ticketInclude } from "../serializers";

/** What access checks and their callers read of a ticket. */
export type TicketAccess = {
  id: string;
  requesterId: string;
  assigneeId: string | null;
  status: TicketStatus;
  lastSeq: number;
  lastPublicSeq: number;
};

const TICKET_ACCESS = statement(
  "ticket_access",
  `SELECT "id", "requesterId", "assigneeId", "status"::text AS "status", "lastSeq", "lastPublicSeq" FROM "Ticket" WHERE "id" = $1`,
);

/**
 * Load a ticket and check `action` on it. Unknown and invisible tickets are
 * both NOT_FOUND, so ids cannot be probed. Only what access checks need, in
 * one prepared statement: every comment, draft save, file and socket join
 * comes through here (src/server/db/sql.ts says why not through Prisma);
 * loadTicketWithTagsFor is for callers that answer with the ticket itself.
 */
export async function loadTicketFor(actor: Actor, ticketId: string, action: Action = "ticket:read"): Promise<TicketAccess> {
  assertTicketId(ticketId);
  const [ticket] = await sql().query<TicketAccess>(TICKET_ACCESS, [ticketId]);
  return authorized(actor, action, ticket ?? null);
}

/** loadTicketFor, with what toTicketDTO shows (tags included), for answers that are the ticket. */
export async function loadTicketWithTagsFor(actor: Actor, ticketId: string, action: Action = "ticket:read") {
  assertTicketId(ticketId);
  return authorized(actor, action, await db().ticket.findUnique({ where: { id: ticketId }, include: ticketInclude }));
}

/** Whether `ticketId` can be an id at all: ids arrive from URLs and sockets, and a NUL byte in one would fail in PostgreSQL as a 500. */
export function isTicketId(ticketId: string): boolean {
  return ID_PATTERN.test(ticketId);
}

function assertTicketId(ticketId: string): void {
  // One that cannot be an id names nothing.
  if (!isTicketId(ticketId)) throw new AppError("NOT_FOUND", "Ticket not found");
}

function authorized<T extends { requesterId: string }>(actor: Actor, action: Action, ticket: T | null): T {
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found");
  authorize(actor, action, ticket);
  return ticket;
}
