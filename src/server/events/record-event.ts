import "server-only";
import type { Prisma } from "../../generated/prisma/client";
import type { UserRef } from "../../shared/dto";
import type { TicketEventData, TicketEventEnvelope, TicketEventType } from "../../shared/realtime";

type Tx = Prisma.TransactionClient;

/**
 * Append an event to a ticket's log inside the caller's transaction.
 *
 * The seq comes from incrementing Ticket.lastSeq, which row-locks the ticket
 * until commit: concurrent changes to one ticket get consecutive seqs in commit
 * order, with no gaps and no duplicates (the (ticketId, seq) unique index backs
 * this up).
 */
export async function recordEvent<T extends TicketEventType>(
  tx: Tx,
  input: {
    ticketId: string;
    type: T;
    actor: UserRef;
    /** The payload, or a function building it after lastSeq moved (so ticket snapshots carry this seq). */
    data: TicketEventData[T] | (() => Promise<TicketEventData[T]>);
    internal?: boolean;
    at?: Date;
  },
): Promise<TicketEventEnvelope<T>> {
  // Raw SQL so taking a seq does not move Ticket.updatedAt (Prisma's
  // @updatedAt would): callers touch it themselves when the change is one
  // everyone may see, so an internal note never shows a requester that
  // something happened.
  const [row] = await tx.$queryRaw<{ lastSeq: number }[]>`
    UPDATE "Ticket" SET "lastSeq" = "lastSeq" + 1 WHERE "id" = ${input.ticketId} RETURNING "lastSeq"`;
  if (!row) throw new Error(`recordEvent: ticket ${input.ticketId} does not exist`);
  const lastSeq = Number(row.lastSeq);
  const at = input.at ?? new Date();
  const data = typeof input.data === "function" ? await input.data() : input.data;
  await tx.ticketEvent.create({
    data: {
      ticketId: input.ticketId,
      seq: lastSeq,
      type: input.type,
      payload: data as unknown as Prisma.InputJsonValue,
      actorId: input.actor.id,
      internal: input.internal ?? false,
      createdAt: at,
    },
  });
  return {
    ticketId: input.ticketId,
    seq: lastSeq,
    at: at.toISOString(),
    actor: { id: input.actor.id, name: input.actor.name },
    type: input.type,
    data,
  } as TicketEventEnvelope<T>;
}
