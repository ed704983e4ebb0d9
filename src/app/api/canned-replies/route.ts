import { ZCreateCannedReply } from "@/shared/schemas/canned-replies";
import { createCannedReply } from "@/server/canned-replies/create-canned-reply";
import { listCannedReplies } from "@/server/canned-replies/list-canned-replies";
import { authed, parseJson } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Shared canned replies and the caller's personal ones (staff only). */
export const GET = authed(async (_req, user) => Response.json({ items: await listCannedReplies(user) }));

export const POST = authed(async (req, user) => {
  const input = await parseJson(req, ZCreateCannedReply);
  return Response.json(await createCannedReply(user, input), { status: 201 });
});
