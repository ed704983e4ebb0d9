/**
 * The one error vocabulary of Tandem, shared by the server (AppError, route
 * handlers), socket acks and the browser's API and realtime clients: every
 * code either side can produce, the HTTP status it travels with, whether
 * trying again can help, and the body it is sent in. A code outside this
 * list does not type-check.
 */
export const ERROR_STATUS = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  /** Socket only: the client is too far behind to catch up in an ack; fetch over HTTP, then join again. */
  RESYNC: 409,
  /**
   * The user's view of a ticket changed since the page loaded (their role did:
   * a promotion shows internal notes, a demotion hides them), and with it the
   * numbering of its events: the page must be loaded again, not caught up.
   */
  AUDIENCE_CHANGED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** An Idempotency-Key sent again with a different request (IETF draft: 422). */
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  /** Socket only: a connection may watch SOCKET_MAX_ROOMS tickets at once. */
  TOO_MANY_ROOMS: 429,
  INTERNAL: 500,
  /** A stored attachment's bytes no longer match the size or SHA-256 recorded at upload. */
  ATTACHMENT_CORRUPT: 500,
  UNAVAILABLE: 503,
  /** Client only: the server did not answer a socket request in time. */
  TIMEOUT: 504,
  /** The disk that holds the data is full (507 Insufficient Storage). */
  STORAGE_FULL: 507,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Codes for which the same request may succeed later (after Retry-After, a reconnect or a resync). */
export const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["RATE_LIMITED", "UNAVAILABLE", "TIMEOUT", "RESYNC", "TOO_MANY_ROOMS"]);

/** An error as it travels: in every HTTP error body, and in a failed socket ack. */
export type ErrorInfo = { code: ErrorCode; message: string; fields?: Record<string, string[]> };

/** Every HTTP error response's body. */
export type ApiErrorBody = { error: ErrorInfo };

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_STATUS, code);
}
