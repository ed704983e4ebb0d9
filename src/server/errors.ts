import "server-only";

import { ERROR_STATUS, type ErrorCode } from "../shared/errors";

// The vocabulary itself is shared with clients and socket acks (src/shared/errors.ts).
export { ERROR_STATUS, type ErrorCode };

/** An expected failure with a stable code; its message is safe to show users. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields?: Record<string, string[]>;
  /** For RATE_LIMITED: seconds until a retry may succeed (sent as Retry-After). */
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, fields?: Record<string, string[]>, retryAfterSeconds?: number) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.fields = fields;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/**
 * True for AppError instances from any bundle: Next bundles route handlers
 * apart from server.ts, so `instanceof` is not reliable across that boundary.
 */
export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "AppError" && "code" in e;
}

/** Turn a zod error into the `fields` map of a VALIDATION error. */
export function validationError(
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
  message = "Some fields are invalid",
): AppError {
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".") || "_";
    (fields[key] ??= []).push(issue.message);
  }
  return new AppError("VALIDATION", message, fields);
}
