import "server-only";
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, ZIdempotencyKey } from "../../shared/schemas/idempotency";
import type { SessionUser } from "../../shared/dto";
import { AppError } from "../errors";
import { fingerprintOf, type Idempotency, type IdempotentResult } from "../integrity/run-idempotent";

/**
 * The request's Idempotency-Key, if any, bound to `user` and to what the
 * request asks for. The IETF draft makes the value a structured-field string
 * (`"abc"`); Stripe and most clients send it bare: both are accepted.
 * A malformed key is a 400, never silently ignored (the client expects safety).
 */
export function idempotencyOf(req: Request, user: Pick<SessionUser, "id">, input: unknown): Idempotency | undefined {
  const raw = req.headers.get(IDEMPOTENCY_KEY_HEADER);
  if (raw === null) return undefined;
  const unquoted = /^"[^"]*"$/.test(raw.trim()) ? raw.trim().slice(1, -1) : raw.trim();
  const parsed = ZIdempotencyKey.safeParse(unquoted);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "Invalid Idempotency-Key";
    throw new AppError("VALIDATION", message, { [IDEMPOTENCY_KEY_HEADER]: [message] });
  }
  return { userId: user.id, key: parsed.data, fingerprint: fingerprintOf(req.method, new URL(req.url).pathname, input) };
}

/** The JSON response of an idempotent create; a replay says so in a header. */
export function idempotentResponse<T>(result: IdempotentResult<T>): Response {
  return Response.json(result.body, {
    status: result.status,
    headers: result.replayed ? { [IDEMPOTENT_REPLAYED_HEADER]: "true" } : {},
  });
}
