import { ZUpdateTicket } from "@/shared/schemas/tickets";
import { authed, parseJson } from "@/server/http/route";
import { getTicket } from "@/server/tickets/get-ticket";
import { updateTicket } from "@/server/tickets/update-ticket";

export const dynamic = "force-dynamic";

/** The ticket; with `?unread=1` also whether it is unread for the caller (`unread`), as a list row has it. */
export const GET = authed<{ id: string }>(async (req, user, { id }) => {
  return Response.json(await getTicket(user, id, { unread: new URL(req.url).searchParams.get("unread") === "1" }));
});

export const PATCH = authed<{ id: string }>(async (req, user, { id }) => {
  return Response.json(await updateTicket(user, id, await parseJson(req, ZUpdateTicket)));
});
