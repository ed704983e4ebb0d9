import "server-only";

/** Error codes and the HTTP status each maps to: the one place that decides. */
export const ERROR_STATUS = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  VALIDATION: 400,
  CONFLICT: 409,
  /** An Idempotency-Key sent again with a different request (IETF draft: 422). */
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** A stored attachment's bytes no longer match the size or SHA-256 recorded at upload. */
  ATTACHMENT_CORRUPT: 500,
  UNAVAILABLE: 503,
  /** The disk that holds the data is full (507 Insufficient Storage). */
  STORAGE_FULL: 507,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

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
