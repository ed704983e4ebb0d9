import NextAuth from "next-auth";
import { authOptions } from "@/server/auth/options";
import { isSecureRequest } from "@/server/auth/secure";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ nextauth: string[] }> };

// Options are built per request: the cookie names depend on whether the
// browser came over HTTPS (directly or via a TLS-terminating proxy), and a
// sign-in records the browser's user agent with its session.
async function handler(req: Request, ctx: Ctx) {
  return NextAuth(req as never, ctx as never, authOptions(isSecureRequest(req.headers), { userAgent: req.headers.get("user-agent") }));
}

export { handler as GET, handler as POST };
