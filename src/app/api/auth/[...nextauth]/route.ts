import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/server/auth/options";
import { safeAuthRequest } from "@/server/auth/safe-auth-request";
import { isSecureRequest } from "@/server/auth/secure";
import { errorResponse } from "@/server/http/route";
import { throttleSignIn } from "@/server/auth/throttle-sign-in";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ nextauth: string[] }> };

// Options are built per request: the cookie names depend on whether the
// browser came over HTTPS (directly or via a TLS-terminating proxy), and a
// sign-in records the browser's user agent with its session.
async function handler(req: NextRequest, ctx: Ctx) {
  try {
    // First the body cap and callbackUrl clean-up, so nothing below reads an
    // uncapped body; then password sign-ins pass the throttle, and a
    // throttled one never reaches the password check.
    const safe = await safeAuthRequest(req);
    if (safe instanceof Response) return safe;
    const run = () => NextAuth(safe as never, ctx as never, authOptions(isSecureRequest(req.headers), { userAgent: req.headers.get("user-agent") }));
    const [action, provider] = (await ctx.params).nextauth;
    if (req.method === "POST" && action === "callback" && provider === "credentials") return await throttleSignIn(safe, run);
    return await run();
  } catch (e) {
    return errorResponse(e);
  }
}

export { handler as GET, handler as POST };
