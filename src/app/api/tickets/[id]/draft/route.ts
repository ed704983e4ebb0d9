import { ZSaveDraft } from "@/shared/schemas/drafts";
import { getDraft } from "@/server/drafts/get-draft";
import { saveDraft } from "@/server/drafts/save-draft";
import { authed, parseJson } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** The caller's own reply-box draft on the ticket (`null` when there is none). */
export const GET = authed<{ id: string }>(async (_req, user, { id }) => Response.json({ draft: await getDraft(user, id) }));

export const PUT = authed<{ id: string }>(async (req, user, { id }) => {
  const input = await parseJson(req, ZSaveDraft);
  return Response.json({ draft: await saveDraft(user, id, input) });
});

export const DELETE = authed<{ id: string }>(async (_req, user, { id }) => {
  await saveDraft(user, id, { body: "", internal: false });
  return new Response(null, { status: 204 });
});
