import { ZChangePassword } from "@/shared/schemas/users";
import { authed, parseJson } from "@/server/http/route";
import { changePassword } from "@/server/users/change-password";

export const dynamic = "force-dynamic";

/** Change one's own password (current one required); every other session ends. Answers `{ revoked }`. */
export const POST = authed(async (req, user, _params, { sessionId }) => {
  return Response.json(await changePassword(user, sessionId, await parseJson(req, ZChangePassword)));
});
