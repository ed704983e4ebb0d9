import { ZUpdateNotificationSettings } from "@/shared/schemas/notifications";
import { authed, parseJson } from "@/server/http/route";
import { getNotificationSettings } from "@/server/notifications/get-notification-settings";
import { updateNotificationSettings } from "@/server/notifications/update-notification-settings";

export const dynamic = "force-dynamic";

/** The caller's notification switches: `{ mention, assigned, reply, new_ticket }`. */
export const GET = authed(async (_req, user) => Response.json(await getNotificationSettings(user)));

/** Change any of them; answers the whole set. */
export const PUT = authed(async (req, user) => {
  return Response.json(await updateNotificationSettings(user, await parseJson(req, ZUpdateNotificationSettings)));
});
