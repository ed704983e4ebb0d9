import { ZAcceptInvite } from "@/shared/schemas/users";
import { parseJson, unauthenticated } from "@/server/http/route";
import { acceptInvite } from "@/server/users/accept-invite";

export const dynamic = "force-dynamic";

/** Set a password with an invite link's token: `{ email }` to sign in with; 404 for a used or expired link. */
export const POST = unauthenticated(async (req) => Response.json(await acceptInvite(await parseJson(req, ZAcceptInvite))));
