import { ZMarkNotificationsRead } from "@/shared/schemas/notifications";
import { authed, parseJson } from "@/server/http/route";
import { markNotificationsRead } from "@/server/notifications/mark-notifications-read";

export const dynamic = "force-dynamic";

/** At most 200 ids of at most 64 characters, plus room for escapes and whitespace (the schema's union has no derived size). */
const BODY_LIMIT = 64 * 1024;

/** Mark `{ ids }` or `{ all: true }` as read: `{ unread }`. */
export const POST = authed(async (req, user) => {
  return Response.json(await markNotificationsRead(user, await parseJson(req, ZMarkNotificationsRead, BODY_LIMIT)));
});
