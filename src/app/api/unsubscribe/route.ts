import { ZUnsubscribeToken } from "@/shared/schemas/mail";
import { readBodyCapped } from "@/server/http/json-body";
import { errorResponse, parse } from "@/server/http/route";
import { unsubscribe } from "@/server/mail/unsubscribe";

export const dynamic = "force-dynamic";

/**
 * A mail's List-Unsubscribe target. A person who opens it (GET) gets the
 * confirmation page: link scanners and prefetchers also GET, and must not
 * unsubscribe anyone. A POST unsubscribes: the page's button (form field
 * `token`, then back to the page) or a mail provider's RFC 8058 one-click
 * request (`List-Unsubscribe=One-Click`, token in the URL), which has no
 * session and no Origin, so the cross-site guard lets it through, and the
 * signed token is the only authority.
 */
export async function GET(req: Request): Promise<Response> {
  const token = new URL(req.url).searchParams.get("token") ?? "";
  return new Response(null, { status: 303, headers: { Location: `/unsubscribe?token=${encodeURIComponent(token)}` } });
}

export async function POST(req: Request): Promise<Response> {
  try {
    const form = new URLSearchParams(new TextDecoder().decode(await readBodyCapped(req, 4096)));
    const token = parse(ZUnsubscribeToken, form.get("token") ?? new URL(req.url).searchParams.get("token") ?? "");
    await unsubscribe(token);
    if (form.get("List-Unsubscribe") === "One-Click") return new Response("Unsubscribed\n", { headers: { "Content-Type": "text/plain" } });
    return new Response(null, { status: 303, headers: { Location: `/unsubscribe?done=1&token=${encodeURIComponent(token)}` } });
  } catch (e) {
    return errorResponse(e);
  }
}
