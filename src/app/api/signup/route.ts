import { ZSignUp } from "@/shared/schemas/users";
import { clientAddressOf } from "@/server/http/client-address";
import { parseJson, unauthenticated } from "@/server/http/route";
import { signUp } from "@/server/users/sign-up";

export const dynamic = "force-dynamic";

/** Self sign-up as a requester: 201 with the user; 404 while sign-up is off. The client then signs in. */
export const POST = unauthenticated(async (req) => {
  return Response.json(await signUp(await parseJson(req, ZSignUp), clientAddressOf(req.headers)), { status: 201 });
});
