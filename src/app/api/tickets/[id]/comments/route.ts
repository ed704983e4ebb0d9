import { ZCreateComment } from "@/shared/schemas/comments";
import { addCommentWithSession } from "@/server/comments/add-comment";
import { listComments } from "@/server/comments/list-comments";
import { idempotencyOf, idempotentResponse } from "@/server/http/idempotency-key";
import { authed, authedByWrite, parseJson } from "@/server/http/route";
import { runIdempotent } from "@/server/integrity/run-idempotent";

export const dynamic = "force-dynamic";

export const GET = authed<{ id: string }>(async (_req, user, { id }) => {
  return Response.json({ items: await listComments(user, id) });
});

// The reply checks the session in its own statement (authedByWrite), and
// writes its Idempotency-Key there too: no lookup first (see runIdempotent).
export const POST = authedByWrite<{ id: string }>(async (req, session, { id }) => {
  const input = await parseJson(req, ZCreateComment);
  const idempotency = idempotencyOf(req, { id: session.claims.userId }, input);
  const result = await runIdempotent(idempotency, 201, (remember) => addCommentWithSession(session, id, input, remember), { writeFirst: true });
  return idempotentResponse(result);
});
