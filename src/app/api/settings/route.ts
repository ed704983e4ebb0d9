import { ZUpdateSettings } from "@/shared/schemas/settings";
import { authed, parseJson } from "@/server/http/route";
import { getSettingsForAdmin } from "@/server/settings/get-settings";
import { updateSettings } from "@/server/settings/update-settings";

export const dynamic = "force-dynamic";

/** Two booleans' worth of JSON and at most four priority names. */
const BODY_LIMIT = 1024;

/** The settings (admins only). */
export const GET = authed(async (_req, user) => Response.json(await getSettingsForAdmin(user)));

export const PUT = authed(async (req, user) => Response.json(await updateSettings(user, await parseJson(req, ZUpdateSettings, BODY_LIMIT))));
