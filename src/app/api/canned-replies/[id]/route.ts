import { ZUpdateCannedReply } from "@/shared/schemas/canned-replies";
import { deleteCannedReply } from "@/server/canned-replies/delete-canned-reply";
import { updateCannedReply } from "@/server/canned-replies/update-canned-reply";
import { authed, parseJson } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const PATCH = authed<{ id: string }>(async (req, user, { id }) => {
  const input = await parseJson(req, ZUpdateCannedReply);
  return Response.json(await updateCannedReply(user, id, input));
});

export const DELETE = authed<{ id: string }>(async (_req, user, { id }) => {
  await deleteCannedReply(user, id);
  return new Response(null, { status: 204 });
});
