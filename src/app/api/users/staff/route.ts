import { authed } from "@/server/http/route";
import { listStaff } from "@/server/users/list-staff";

export const dynamic = "force-dynamic";

export const GET = authed(async (_req, user) => Response.json({ items: await listStaff(user) }));
