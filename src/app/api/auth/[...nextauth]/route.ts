import NextAuth from "next-auth";
import { authOptions } from "@/server/auth/options";
import { isSecureRequest } from "@/server/auth/secure";
import { throttleSignIn } from "@/server/auth/throttle-sign-in";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ nextauth: string[] }> };

// Options are built per request: the cookie names depend on whether the
// browser came over HTTPS (directly or via a TLS-terminating proxy).
async function handler(req: Request, ctx: Ctx) {
  return NextAuth(req as never, ctx as never, authOptions(isSecureRequest(req.headers)));
}

// Password sign-ins pass the throttle first; a throttled one never reaches the password check.
async function POST(req: Request, ctx: Ctx) {
  const [action, provider] = (await ctx.params).nextauth;
  if (action === "callback" && provider === "credentials") return throttleSignIn(req, () => handler(req, ctx));
  return handler(req, ctx);
}

export { handler as GET, POST };
