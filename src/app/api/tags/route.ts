import { ZListTags } from "@/shared/schemas/tags";
import { authed, parse, searchParamsOf } from "@/server/http/route";
import { listTags } from "@/server/tags/list-tags";

export const dynamic = "force-dynamic";

/** `?prefix=&limit=`: tags in use with their ticket counts (staff only). */
export const GET = authed(async (req, user) => {
  return Response.json({ items: await listTags(user, parse(ZListTags, searchParamsOf(req))) });
});
