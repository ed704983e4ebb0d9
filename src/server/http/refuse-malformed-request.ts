import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "../errors";
import { malformedTarget } from "./decode";

// Next's own paths: assets, and the dev overlay, which POSTs stack frames.
const NEXT_INTERNAL = /^\/(_next|__nextjs)/;

/**
 * Why Next must not see this request, or undefined. Two classes it would
 * answer with a 500 (or an uncaught exception) rather than a 4xx:
 * - a URL whose percent-escapes do not decode to UTF-8 (Next's router throws);
 * - a request other than GET/HEAD to a page: Next parses such a body as a
 *   Server Action (a truncated multipart one throws an uncaught "Unexpected end
 *   of form"), and Tandem has no Server Actions. Writes go to /api only.
 */
export function malformedRequest(method: string, target: string): AppError | undefined {
  const message = malformedTarget(target);
  if (message !== undefined) return new AppError("VALIDATION", message);
  const page = !target.startsWith("/api/") && !NEXT_INTERNAL.test(target);
  if (page && method !== "GET" && method !== "HEAD") {
    return new AppError("METHOD_NOT_ALLOWED", "Pages only answer GET; the API lives under /api");
  }
  return undefined;
}

/**
 * Answer a malformed request with its 4xx and the standard error body before
 * Next sees it; returns true when it did. The one place URLs are checked, so
 * every route (API, pages, next-auth) is covered alike.
 */
export function refuseMalformedRequest(req: IncomingMessage, res: ServerResponse): boolean {
  const e = malformedRequest(req.method ?? "GET", req.url ?? "/");
  if (!e) return false;
  res.statusCode = e.status;
  res.setHeader("Content-Type", "application/json");
  if (e.code === "METHOD_NOT_ALLOWED") res.setHeader("Allow", "GET, HEAD");
  res.end(JSON.stringify({ error: { code: e.code, message: e.message } }));
  return true;
}
