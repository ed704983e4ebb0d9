import { ZSaveView } from "@/shared/schemas/views";
import { authed, parseJson } from "@/server/http/route";
import { listViews } from "@/server/views/list-views";
import { saveView } from "@/server/views/save-view";

export const dynamic = "force-dynamic";

/** The user's views (built-in queues for staff, then their own) with live counts. */
export const GET = authed(async (_req, user) => Response.json({ items: await listViews(user) }));

export const POST = authed(async (req, user) => Response.json(await saveView(user, await parseJson(req, ZSaveView)), { status: 201 }));
