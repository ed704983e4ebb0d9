import { ZMarkRead } from "@/shared/schemas/drafts";
import { authed, parseJson } from "@/server/http/route";
import { markRead } from "@/server/tickets/mark-read";

export const dynamic = "force-dynamic";

/** `{ seq }`: the caller has seen the ticket up to that event (their numbering). */
export const POST = authed<{ id: string }>(async (req, user, { id }) => {
  const { seq } = await parseJson(req, ZMarkRead);
  return Response.json(await markRead(user, id, seq));
});
