import { ZCreateTicket, ZListTickets } from "@/shared/schemas/tickets";
import { authed, parse, parseJson, searchParamsOf } from "@/server/http/route";
import { createTicket } from "@/server/tickets/create-ticket";
import { listTickets } from "@/server/tickets/list-tickets";

export const dynamic = "force-dynamic";

export const GET = authed(async (req, user) => {
  return Response.json(await listTickets(user, parse(ZListTickets, searchParamsOf(req))));
});

export const POST = authed(async (req, user) => {
  const ticket = await createTicket(user, await parseJson(req, ZCreateTicket));
  return Response.json(ticket, { status: 201 });
});
