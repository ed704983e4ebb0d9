import { ZUpdateUser } from "@/shared/schemas/users";
import { authed, parseJson } from "@/server/http/route";
import { updateUser } from "@/server/users/update-user";

export const dynamic = "force-dynamic";

export const PATCH = authed<{ id: string }>(async (req, user, { id }) => {
  return Response.json(await updateUser(user, id, await parseJson(req, ZUpdateUser)));
});
