import { ZResetPassword } from "@/shared/schemas/users";
import { authed, parseJson } from "@/server/http/route";
import { resetPassword } from "@/server/users/reset-password";

export const dynamic = "force-dynamic";

/** Admins: `{ password }` sets it and signs the user out everywhere; `{ ok: true }`. */
export const POST = authed<{ id: string }>(async (req, user, { id }) => {
  return Response.json(await resetPassword(user, id, await parseJson(req, ZResetPassword)));
});
