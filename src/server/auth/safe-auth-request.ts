import "server-only";
import { NextRequest } from "next/server";
import { safeRedirectPath } from "../../shared/safe-redirect";
import { env } from "../env";
import { AppError } from "../errors";
import { errorResponse } from "../http/route";
import { readBodyCapped } from "../http/json-body";

/** Sign-in and sign-out forms are a few short fields; nothing legitimate comes near this. */
const AUTH_BODY_LIMIT = 16 * 1024;

const CALLBACK_COOKIES = ["next-auth.callback-url", "__Secure-next-auth.callback-url"];

/**
 * next-auth v4 answers 500 (INVALID_CALLBACK_URL_ERROR) for a callbackUrl
 * that is neither a path nor an absolute http(s) URL (`\\evil`,
 * `javascript:`), before its redirect callback ever runs. So every
 * callbackUrl is reduced to a safe same-origin path here first: in the query,
 * in a form or JSON body (read under a small cap). The callback-url cookie
 * cannot be rewritten (next-auth reads cookies from next/headers, not from the
 * request it is given); an unsafe one can only have been planted (cookie
 * tossing from a sibling subdomain), so that request is refused with 400 and
 * the cookie cleared.
 * @returns the request to hand to next-auth, or the response to send instead.
 */
export async function safeAuthRequest(req: NextRequest): Promise<NextRequest | Response> {
  // next-auth's base URL (NEXTAUTH_URL = APP_URL): the origin its own cookie values carry.
  const origin = env().appOrigin;
  for (const name of CALLBACK_COOKIES) {
    const value = req.cookies.get(name)?.value;
    if (value !== undefined && !isSafe(value, origin)) {
      const res = errorResponse(new AppError("VALIDATION", "Invalid callback URL"));
      res.headers.append("Set-Cookie", `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${name.startsWith("__Secure-") ? "; Secure" : ""}`);
      return res;
    }
  }
  const url = new URL(req.url);
  const query = url.searchParams.get("callbackUrl");
  if (query !== null) url.searchParams.set("callbackUrl", safeRedirectPath(query, origin));

  let body: string | undefined;
  if (req.method === "POST" && req.body) {
    const text = new TextDecoder().decode(await readBodyCapped(req, AUTH_BODY_LIMIT));
    const type = req.headers.get("content-type") ?? "";
    body = text;
    if (type.includes("application/x-www-form-urlencoded")) {
      const form = new URLSearchParams(text);
      const raw = form.get("callbackUrl");
      if (raw !== null) {
        form.set("callbackUrl", safeRedirectPath(raw, origin));
        body = form.toString();
      }
    } else if (type.includes("application/json")) {
      try {
        const json = JSON.parse(text) as unknown;
        if (json && typeof json === "object" && "callbackUrl" in json) {
          (json as Record<string, unknown>).callbackUrl = safeRedirectPath((json as Record<string, unknown>).callbackUrl, origin);
          body = JSON.stringify(json);
        }
      } catch {
        return errorResponse(new AppError("VALIDATION", "The request body is not valid JSON"));
      }
    }
  }
  const headers = new Headers(req.headers);
  headers.delete("content-length");
  return new NextRequest(url, { method: req.method, headers, body });
}

function isSafe(value: string, origin: string): boolean {
  const path = safeRedirectPath(value, origin);
  // next-auth's own default is the bare origin.
  return value === origin || value === path || value === `${origin}${path}`;
}
