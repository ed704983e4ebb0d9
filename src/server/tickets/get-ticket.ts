import "server-only";
import type { TicketDTO } from "../../shared/dto";
import { type Actor, audienceOf } from "../policy";
import { toTicketDTO } from "../serializers";
import { loadTicketWithTagsFor } from "./load-ticket";

/** One ticket, if `actor` may see it. */
export async function getTicket(actor: Actor, ticketId: string): Promise<TicketDTO> {
  return toTicketDTO(await loadTicketWithTagsFor(actor, ticketId), audienceOf(actor));
}
