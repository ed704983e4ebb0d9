import { ZCreateComment } from "@/shared/schemas/comments";
import { addComment } from "@/server/comments/add-comment";
import { listComments } from "@/server/comments/list-comments";
import { idempotencyOf, idempotentResponse } from "@/server/http/idempotency-key";
import { authed, parseJson } from "@/server/http/route";
import { runIdempotent } from "@/server/integrity/run-idempotent";

export const dynamic = "force-dynamic";

export const GET = authed<{ id: string }>(async (_req, user, { id }) => {
  return Response.json({ items: await listComments(user, id) });
});

export const POST = authed<{ id: string }>(async (req, user, { id }) => {
  const input = await parseJson(req, ZCreateComment);
  // The reply writes its key in the same statement: no lookup first (see runIdempotent).
  const result = await runIdempotent(idempotencyOf(req, user, input), 201, (remember) => addComment(user, id, input, remember), { writeFirst: true });
  return idempotentResponse(result);
});
