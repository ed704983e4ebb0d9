import { ZCreateUser, ZListUsers } from "@/shared/schemas/users";
import { authed, parse, parseJson, searchParamsOf } from "@/server/http/route";
import { createUser } from "@/server/users/create-user";
import { listUsers } from "@/server/users/list-users";

export const dynamic = "force-dynamic";

/** A page of users by name, with role and active flag (admins only): `?q=&role=&state=&cursor=&limit=` → `{ items, nextCursor }`. */
export const GET = authed(async (req, user) => Response.json(await listUsers(user, parse(ZListUsers, searchParamsOf(req)))));

/** Create a user (admins only): 201 `{ user, invite? }`; `invite` only when no password was given (mailed, or its `url` when mail is off). */
export const POST = authed(async (req, user) => Response.json(await createUser(user, await parseJson(req, ZCreateUser)), { status: 201 }));
