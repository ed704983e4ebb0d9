import "server-only";
import type { AnyTicketEvent } from "../../shared/realtime";
import { readStoredPayload } from "./payloads";
import type { RecordedTicketEvent } from "./view-event";

/** The columns of a stored event needed to rebuild it. */
export type StoredEventRow = {
  ticketId: string;
  seq: number;
  publicSeq: number | null;
  type: string;
  payload: unknown;
  payloadVersion: number;
  createdAt: Date;
  actor: { id: string; name: string };
};

/**
 * A stored event as recorded (staff numbering, public number beside it),
 * built only from what was stored: live delivery and every replay send the
 * same thing, whatever the DTOs have become since (see ./payloads.ts).
 */
export function fromStoredRow(row: StoredEventRow): RecordedTicketEvent {
  const { type, data } = readStoredPayload(row.type, row.payloadVersion, row.payload);
  return {
    ticketId: row.ticketId,
    seq: row.seq,
    at: row.createdAt.toISOString(),
    actor: { id: row.actor.id, name: row.actor.name },
    type,
    data,
    publicSeq: row.publicSeq,
  } as RecordedTicketEvent<AnyTicketEvent>;
}
