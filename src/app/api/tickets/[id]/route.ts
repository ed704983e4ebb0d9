import { ZUpdateTicket } from "@/shared/schemas/tickets";
import { authed, parseJson } from "@/server/http/route";
import { getTicket } from "@/server/tickets/get-ticket";
import { updateTicket } from "@/server/tickets/update-ticket";

export const dynamic = "force-dynamic";

export const GET = authed<{ id: string }>(async (_req, user, { id }) => {
  return Response.json(await getTicket(user, id));
});

export const PATCH = authed<{ id: string }>(async (req, user, { id }) => {
  return Response.json(await updateTicket(user, id, await parseJson(req, ZUpdateTicket)));
});
