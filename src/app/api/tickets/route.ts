import { ZCreateTicket, ZListTickets } from "@/shared/schemas/tickets";
import { idempotencyOf, idempotentResponse } from "@/server/http/idempotency-key";
import { authed, parse, parseJson, searchParamsOf } from "@/server/http/route";
import { runIdempotent } from "@/server/integrity/run-idempotent";
import { createTicket } from "@/server/tickets/create-ticket";
import { listTickets } from "@/server/tickets/list-tickets";

export const dynamic = "force-dynamic";

export const GET = authed(async (req, user) => {
  return Response.json(await listTickets(user, parse(ZListTickets, searchParamsOf(req))));
});

export const POST = authed(async (req, user) => {
  const input = await parseJson(req, ZCreateTicket);
  const result = await runIdempotent(idempotencyOf(req, user, input), 201, (remember) => createTicket(user, input, remember));
  return idempotentResponse(result);
});
