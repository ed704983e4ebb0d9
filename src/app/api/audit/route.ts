import { authed } from "@/server/http/route";
import { listAudit } from "@/server/audit/list-audit";

export const dynamic = "force-dynamic";

/** The newest 200 administrative changes (admins only). */
export const GET = authed(async (_req, user) => Response.json({ items: await listAudit(user) }));
