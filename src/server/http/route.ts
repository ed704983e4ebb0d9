import "server-only";
import type { z } from "zod";
import { type SessionUser } from "../../shared/dto";
import { type AuthenticatedSession, type ClaimedSession, claimedSession } from "../auth/session-token";
import { claimsOfHeaders, sessionOfHeaders } from "../realtime/authenticate";
import { AppError, isAppError, validationError } from "../errors";
import { DATABASE_RETRY_AFTER_S, infrastructureError } from "../failures/classify-failure";
import { assertJsonMediaType, decodeJson, jsonBodyLimit, readBodyCapped } from "./json-body";
import { log } from "../log";

/** Standard JSON error response; every error body has this one shape. */
export function errorResponse(e: unknown): Response {
  // A database that is down or a disk that is full is not a bug: say so, with a code clients act on.
  const infrastructure = isAppError(e) ? null : infrastructureError(e);
  if (infrastructure) {
    log.error(`[tandem] ${infrastructure.code}: ${e instanceof Error ? e.message : String(e)}`);
    const res = errorResponse(infrastructure);
    if (infrastructure.code === "UNAVAILABLE") res.headers.set("Retry-After", String(DATABASE_RETRY_AFTER_S));
    return res;
  }
  if (isAppError(e)) {
    const res = Response.json(
      { error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } },
      {
        status: e.status,
        ...(e.retryAfterSeconds !== undefined ? { headers: { "Retry-After": String(Math.ceil(e.retryAfterSeconds)) } } : {}),
      },
    );
    // A body refused midway is not read to its end: the connection closes
    // (lingering, http/linger.ts), or the rest of it would hold up the
    // connection's next request.
    if (e.code === "PAYLOAD_TOO_LARGE") res.headers.set("Connection", "close");
    return res;
  }
  log.error({ err: e }, "[tandem] unhandled error");
  return Response.json({ error: { code: "INTERNAL", message: "Something went wrong" } }, { status: 500 });
}

type Ctx<P> = { params: Promise<P> };

/**
 * Wrap an authenticated route handler: resolves the signed-in user and their
 * session (401 otherwise) and maps thrown errors to JSON error responses. The
 * session comes from the request's own headers, not Next's request context,
 * so server.ts can call the handler directly (src/server/http/direct-routes.ts).
 */
export function authed<P = Record<string, never>>(
  handler: (req: Request, user: SessionUser, params: P, session: AuthenticatedSession) => Promise<Response>,
) {
  return async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    try {
      const session = await sessionOfHeaders(req.headers);
      if (!session) throw new AppError("UNAUTHORIZED", "Sign in first");
      return await handler(req, session.user, await ctx.params, session);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/**
 * Wrap a route handler whose write checks the session itself, in its own
 * statement (a reply: comments/add-comment.ts, addCommentWithSession): the
 * handler gets what the session cookie claims, decrypted and unexpired but
 * not yet checked against the database, and must not act on it otherwise.
 * For a reply that saves a round trip and a statement on every send
 * (bench/findings.md, nineteenth round). A request without a valid token is
 * refused here, before its body is read, as by `authed`; one whose session
 * was revoked (or whose user was deactivated) is refused once the write has
 * found so, having written nothing.
 */
export function authedByWrite<P = Record<string, never>>(handler: (req: Request, session: ClaimedSession, params: P) => Promise<Response>) {
  return async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    try {
      const claims = await claimsOfHeaders(req.headers);
      if (!claims) throw new AppError("UNAUTHORIZED", "Sign in first");
      return await handler(req, claimedSession(claims), await ctx.params);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/**
 * Wrap a route handler that needs no session (sign-up, accepting an invite):
 * maps thrown errors to JSON error responses like `authed`.
 */
export function unauthenticated<P = Record<string, never>>(handler: (req: Request, params: P) => Promise<Response>) {
  return async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    try {
      return await handler(req, await ctx.params);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/**
 * Parse a JSON body against `schema`: 415 unless the media type is exactly
 * application/json, 413 once the body crosses `limit` bytes while it streams
 * in (by default what the schema's fields allow, see jsonBodyLimit), 400 with
 * field errors otherwise.
 */
export async function parseJson<S extends z.ZodType>(req: Request, schema: S, limit = jsonBodyLimit(schema)): Promise<z.infer<S>> {
  assertJsonMediaType(req.headers.get("content-type"));
  const body = decodeJson(await readBodyCapped(req, limit));
  return parse(schema, body);
}

/** Validate `value` against `schema`; 400 with field errors otherwise. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error.issues);
  return parsed.data;
}

/** Query-string parameters as a plain object (last value wins). */
export function searchParamsOf(req: Request): Record<string, string> {
  return Object.fromEntries(new URL(req.url).searchParams);
}
