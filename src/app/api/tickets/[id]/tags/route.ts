import { ZTagOps } from "@/shared/schemas/tags";
import { authed, parseJson } from "@/server/http/route";
import { changeTags } from "@/server/tags/change-tags";

export const dynamic = "force-dynamic";

/** `{ add?: string[], remove?: string[] }`: staff only; answers the ticket with its tags. */
export const POST = authed<{ id: string }>(async (req, user, { id }) => {
  return Response.json(await changeTags(user, id, await parseJson(req, ZTagOps)));
});
