import { ZCreateComment } from "@/shared/schemas/comments";
import { addComment } from "@/server/comments/add-comment";
import { listComments } from "@/server/comments/list-comments";
import { authed, parseJson } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = authed<{ id: string }>(async (_req, user, { id }) => {
  return Response.json({ items: await listComments(user, id) });
});

export const POST = authed<{ id: string }>(async (req, user, { id }) => {
  const comment = await addComment(user, id, await parseJson(req, ZCreateComment));
  return Response.json(comment, { status: 201 });
});
