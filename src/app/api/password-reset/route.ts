import { ZRequestPasswordReset } from "@/shared/schemas/users";
import { clientAddressOf } from "@/server/http/client-address";
import { parseJson, unauthenticated } from "@/server/http/route";
import { requestPasswordReset } from "@/server/users/request-password-reset";

export const dynamic = "force-dynamic";

/**
 * "Forgot your password?": 202 whether or not the address has an account (a
 * link is mailed if it does); 404 when this site has no mail; 429 past the limits.
 */
export const POST = unauthenticated(async (req) => {
  await requestPasswordReset(await parseJson(req, ZRequestPasswordReset), clientAddressOf(req.headers));
  return Response.json({ ok: true }, { status: 202 });
});
