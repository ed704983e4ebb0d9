import "server-only";
import { runtime } from "../runtime";
import type { RecordedTicketEvent } from "./view-event";

/**
 * Hand committed events to the realtime layer. Call only after the transaction
 * that wrote them has committed, so no client ever sees a change that was
 * rolled back. A missing publisher (scripts, seeding) drops nothing durable:
 * the events are in the log and clients replay them on join.
 */
export function publish(...events: RecordedTicketEvent[]): void {
  const publisher = runtime().publish;
  if (!publisher) return;
  for (const event of events) {
    try {
      publisher(event);
    } catch (e) {
      console.error("[tandem] failed to publish event", event.type, event.ticketId, event.seq, e);
    }
  }
}
