import { ZChangePassword } from "@/shared/schemas/users";
import { requireSession } from "@/server/auth/current-user";
import { authed, parseJson } from "@/server/http/route";
import { changePassword } from "@/server/users/change-password";

export const dynamic = "force-dynamic";

/** Change one's own password (current one required); every other session ends. Answers `{ revoked }`. */
export const POST = authed(async (req) => {
  // authed checked the session; this names it, to keep it.
  const { user, sessionId } = await requireSession();
  return Response.json(await changePassword(user, sessionId, await parseJson(req, ZChangePassword)));
});
