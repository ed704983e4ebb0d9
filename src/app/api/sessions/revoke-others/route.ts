import { authed } from "@/server/http/route";
import { revokeOtherSessions } from "@/server/sessions/revoke-other-sessions";

export const dynamic = "force-dynamic";

/** "Sign out other sessions": ends every session of the caller but this one; answers `{ revoked }`. */
export const POST = authed(async (_req, user, _params, { sessionId }) => {
  return Response.json(await revokeOtherSessions(user, sessionId));
});
