import { ZResetPassword } from "@/shared/schemas/users";
import { authed, parseJson } from "@/server/http/route";
import { resetPassword } from "@/server/users/reset-password";

export const dynamic = "force-dynamic";

/** A union schema has no derived size: a password and a few field names fit well inside 4 KiB. */
const BODY_LIMIT = 4096;

/** Admins: `{ password }` sets it (and signs the user out everywhere), `{ invite: true }` answers a new invite link. */
export const POST = authed<{ id: string }>(async (req, user, { id }) => {
  return Response.json(await resetPassword(user, id, await parseJson(req, ZResetPassword, BODY_LIMIT)));
});
