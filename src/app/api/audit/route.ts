import { ZListAudit } from "@/shared/schemas/users";
import { authed, parse, searchParamsOf } from "@/server/http/route";
import { listAudit } from "@/server/audit/list-audit";

export const dynamic = "force-dynamic";

/** Administrative changes, newest first (admins only): `?cursor=&limit=` (200 by default) → `{ items, nextCursor }`. */
export const GET = authed(async (req, user) => Response.json(await listAudit(user, parse(ZListAudit, searchParamsOf(req)))));
