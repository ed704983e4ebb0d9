import { requireSession } from "@/server/auth/current-user";
import { authed } from "@/server/http/route";
import { revokeOtherSessions } from "@/server/sessions/revoke-other-sessions";

export const dynamic = "force-dynamic";

/** "Sign out other sessions": ends every session of the caller but this one; answers `{ revoked }`. */
export const POST = authed(async () => {
  // authed checked the session; this names it, to keep it.
  const { user, sessionId } = await requireSession();
  return Response.json(await revokeOtherSessions(user, sessionId));
});
