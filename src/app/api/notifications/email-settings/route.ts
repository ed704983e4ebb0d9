import { ZUpdateEmailSettings } from "@/shared/schemas/mail";
import { authed, parseJson } from "@/server/http/route";
import { getEmailSettings } from "@/server/mail/get-email-settings";
import { updateEmailSettings } from "@/server/mail/update-email-settings";

export const dynamic = "force-dynamic";

/** The caller's email switches: `{ reply, resolved, assigned, mention }`. */
export const GET = authed(async (_req, user) => Response.json(await getEmailSettings(user)));

/** Change any of them; answers the whole set. */
export const PUT = authed(async (req, user) => {
  return Response.json(await updateEmailSettings(user, await parseJson(req, ZUpdateEmailSettings)));
});
