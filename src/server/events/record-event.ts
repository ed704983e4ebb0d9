import "server-only";
import type { Prisma } from "../../generated/prisma/client";
import type { UserRef } from "../../shared/dto";
import type { TicketEventData, TicketEventEnvelope, TicketEventType } from "../../shared/realtime";
import { isInternalEvent } from "../policy";
import { toStoredPayload } from "./payloads";
import type { RecordedTicketEvent } from "./view-event";

type Tx = Prisma.TransactionClient;

/**
 * Append an event to a ticket's log inside the caller's transaction.
 *
 * Every event takes the ticket's next `seq` (staff numbering); an event a
 * requester may see also takes the next `publicSeq` (requester numbering),
 * an internal one does not, so each audience's sequence is gap-free on its own
 * and an internal note moves nothing a requester can read. Both come from
 * incrementing counters on the ticket row, which row-locks the ticket until
 * commit: concurrent changes to one ticket get consecutive numbers in commit
 * order, with no gaps and no duplicates (unique indexes back this up).
 *
 * The envelope returned is in staff numbering with `publicSeq` beside it;
 * see `viewEvent` for what each audience receives.
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
    /** A reply everyone may see: also set the ticket's `updatedAt` to `at` and `lastReplierId` to `by`, in the same statement. */
    reply?: { at: Date; by: string };
  },
): Promise<RecordedTicketEvent<TicketEventEnvelope<T>>> {
  const internal = input.internal ?? false;
  // Raw SQL so taking a seq does not move Ticket.updatedAt (Prisma's
  // @updatedAt would): callers touch it themselves when the change is one
  // everyone may see, so an internal note never shows a requester that
  // something happened.
  //
  // No NOTIFY here: the caller announces the commit after it
  // (announceCommitted), which wakes the processors of every process
  // (src/server/engine/commit-notifier.ts says why not in the transaction).
  // `updatedAt` is a UTC timestamp without zone, as Prisma stores DateTimes.
  const reply = input.reply;
  const [row] = await tx.$queryRaw<{ lastSeq: number; lastPublicSeq: number }[]>`
    UPDATE "Ticket"
    SET "lastSeq" = "lastSeq" + 1, "lastPublicSeq" = "lastPublicSeq" + ${internal ? 0 : 1}::int,
        -- SET reads the row as it was: the event before this one, and who made it.
        "lastOtherSeq" = CASE WHEN "lastActorId" IS DISTINCT FROM ${input.actor.id} THEN "lastSeq" ELSE "lastOtherSeq" END,
        "lastOtherPublicSeq" = CASE WHEN ${internal}::boolean OR "lastPublicActorId" IS NOT DISTINCT FROM ${input.actor.id} THEN "lastOtherPublicSeq" ELSE "lastPublicSeq" END,
        "lastActorId" = ${input.actor.id},
        "lastPublicActorId" = COALESCE(${internal ? null : input.actor.id}::text, "lastPublicActorId"),
        "updatedAt" = COALESCE((${reply ? reply.at.toISOString() : null}::timestamptz AT TIME ZONE 'UTC'), "updatedAt"),
        "lastReplierId" = COALESCE(${reply ? reply.by : null}::text, "lastReplierId")
    WHERE "id" = ${input.ticketId}
    RETURNING "lastSeq", "lastPublicSeq"`;
  if (!row) throw new Error(`recordEvent: ticket ${input.ticketId} does not exist`);
  const seq = Number(row.lastSeq);
  const publicSeq = internal ? null : Number(row.lastPublicSeq);
  const at = input.at ?? new Date();
  const data = typeof input.data === "function" ? await input.data() : input.data;
  // The flag decides the numbering; the payload decides what a requester
  // would read. A mismatch would number an internal note publicly: refuse
  // (the caller's transaction rolls back).
  if (isInternalEvent({ type: input.type, data }) && !internal) {
    throw new Error(`recordEvent: ${input.type} carries an internal note but was not recorded as internal`);
  }
  const stored = toStoredPayload(input.type, data);
  await tx.ticketEvent.create({
    data: {
      ticketId: input.ticketId,
      seq,
      publicSeq,
      type: input.type,
      payload: stored.payload as unknown as Prisma.InputJsonValue,
      payloadVersion: stored.payloadVersion,
      actorId: input.actor.id,
      internal,
      createdAt: at,
    },
  });
  return {
    ticketId: input.ticketId,
    seq,
    at: at.toISOString(),
    actor: { id: input.actor.id, name: input.actor.name },
    type: input.type,
    // What was stored, so the caller's answer is exactly what the event
    // delivers and replays (fields the stored shape lacks are dropped).
    data: stored.payload,
    publicSeq,
  } as RecordedTicketEvent<TicketEventEnvelope<T>>;
}
