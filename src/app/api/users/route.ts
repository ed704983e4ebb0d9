import { ZCreateUser } from "@/shared/schemas/users";
import { authed, parseJson } from "@/server/http/route";
import { createUser } from "@/server/users/create-user";
import { listUsers } from "@/server/users/list-users";

export const dynamic = "force-dynamic";

/** Every user with role and active flag (admins only). */
export const GET = authed(async (_req, user) => Response.json({ items: await listUsers(user) }));

/** Create a user (admins only): 201 `{ user, invite? }`; `invite` only when no password was given (mailed, or its `url` when mail is off). */
export const POST = authed(async (req, user) => Response.json(await createUser(user, await parseJson(req, ZCreateUser)), { status: 201 }));
