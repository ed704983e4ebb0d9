import { ZUpdateAccount } from "@/shared/schemas/users";
import { authed, parseJson } from "@/server/http/route";
import { updateAccount } from "@/server/users/update-account";

export const dynamic = "force-dynamic";

/** The signed-in user's own name. */
export const PATCH = authed(async (req, user) => Response.json(await updateAccount(user, await parseJson(req, ZUpdateAccount))));
