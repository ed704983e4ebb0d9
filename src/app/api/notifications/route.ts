import { ZListNotifications } from "@/shared/schemas/notifications";
import { authed, parse, searchParamsOf } from "@/server/http/route";
import { listNotifications } from "@/server/notifications/list-notifications";

export const dynamic = "force-dynamic";

/** The caller's newest notifications and unread count: `{ items, unread }`. */
export const GET = authed(async (req, user) => {
  return Response.json(await listNotifications(user, parse(ZListNotifications, searchParamsOf(req))));
});
