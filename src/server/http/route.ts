import "server-only";
import type { z } from "zod";
import { type SessionUser } from "../../shared/dto";
import { requireUser } from "../auth/current-user";
import { AppError, isAppError, validationError } from "../errors";

/** Standard JSON error response; every error body has this one shape. */
export function errorResponse(e: unknown): Response {
  if (isAppError(e)) {
    return Response.json(
      { error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } },
      {
        status: e.status,
        ...(e.retryAfterSeconds !== undefined ? { headers: { "Retry-After": String(Math.ceil(e.retryAfterSeconds)) } } : {}),
      },
    );
  }
  console.error("[tandem] unhandled error", e);
  return Response.json({ error: { code: "INTERNAL", message: "Something went wrong" } }, { status: 500 });
}

type Ctx<P> = { params: Promise<P> };

/**
 * Wrap an authenticated route handler: resolves the signed-in user (401
 * otherwise) and maps thrown errors to JSON error responses.
 */
export function authed<P = Record<string, never>>(
  handler: (req: Request, user: SessionUser, params: P) => Promise<Response>,
) {
  return async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    try {
      const user = await requireUser();
      return await handler(req, user, await ctx.params);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/** Parse a JSON body against `schema`; 400 with field errors otherwise. */
export async function parseJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  if (!(req.headers.get("content-type") ?? "").toLowerCase().includes("application/json")) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send a JSON body with Content-Type: application/json");
  }
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new AppError("VALIDATION", "The request body is not valid JSON");
  }
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
