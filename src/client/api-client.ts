import { type ApiErrorBody, type ErrorCode, isErrorCode } from "../shared/errors";
import { IDEMPOTENCY_KEY_HEADER } from "../shared/schemas/idempotency";

/** A failed API call: the server's error code, message and per-field messages. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly fields: Record<string, string[]>;

  constructor(status: number, code: ErrorCode, message: string, fields: Record<string, string[]> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/** Codes for statuses a proxy may produce without our JSON body. */
const STATUS_CODES: Record<number, [ErrorCode, string]> = {
  401: ["UNAUTHORIZED", "Your session has ended. Sign in again."],
  403: ["FORBIDDEN", "You are not allowed to do that."],
  404: ["NOT_FOUND", "Not found."],
  409: ["CONFLICT", "This ticket was changed by someone else."],
  413: ["PAYLOAD_TOO_LARGE", "The file is too large."],
  429: ["RATE_LIMITED", "Too many requests. Try again in a moment."],
};

/**
 * A new Idempotency-Key: a random UUID. crypto.randomUUID exists only in
 * secure contexts, and Tandem may be opened over plain http on a LAN, so fall
 * back to a v4 UUID from getRandomValues (available everywhere).
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * One Idempotency-Key per logical send: the same payload sent again (a retry
 * after an error) reuses the key, so the server creates the record at most
 * once; a changed payload, or a send that succeeded, gets a fresh key (reusing
 * it for other content would be refused with IDEMPOTENCY_KEY_REUSED).
 */
export class SendKey {
  private current: { key: string; payload: string } | null = null;

  /** The key for sending `payload` now. */
  for(payload: unknown): string {
    const serialized = JSON.stringify(payload);
    if (this.current?.payload !== serialized) this.current = { key: newIdempotencyKey(), payload: serialized };
    return this.current.key;
  }

  /** The send succeeded: the next one is a new logical send. */
  done(): void {
    this.current = null;
  }
}

/** Statuses after which repeating a keyed request is safe and may succeed. */
const RETRYABLE = new Set([502, 503, 504]);
/** Waits before each automatic retry of a keyed request. */
const RETRY_DELAYS_MS = [300, 1000, 3000];

/** Send; after a network error or a retryable status, wait and send again, once per delay. */
async function sendWithRetries(send: () => Promise<Response>, delays: readonly number[]): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= delays.length;
    try {
      const res = await send();
      if (last || !RETRYABLE.has(res.status)) return res;
    } catch (e) {
      // A deliberate abort is not a lost response.
      if (last || (e instanceof DOMException && e.name === "AbortError")) throw e;
    }
    await new Promise((r) => setTimeout(r, delays[attempt]));
  }
}

/**
 * Call the same-origin JSON API with the session cookie. Resolves with the
 * parsed body; rejects with ApiError (HTTP errors) or a network error.
 *
 * With an `idempotencyKey`, a request whose response was lost (network error)
 * or that met a 502/503/504 is retried automatically with the same key: the
 * server replays the first result instead of creating a second record.
 * `repeatable` says the request is safe to send twice as it is (tag
 * operations: adding a tag twice adds it once), so it is retried the same way.
 */
export async function apiFetch<T>(
  url: string,
  init: RequestInit & { json?: unknown; idempotencyKey?: string; repeatable?: boolean } = {},
): Promise<T> {
  const { json, headers, idempotencyKey, repeatable, ...rest } = init;
  const send = () =>
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      ...rest,
      headers: {
        Accept: "application/json",
        ...(json !== undefined ? { "Content-Type": "application/json" } : {}),
        ...(idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } : {}),
        ...headers,
      },
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
  const res = await sendWithRetries(send, idempotencyKey || repeatable ? RETRY_DELAYS_MS : []);
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!res.ok) {
    const err = (body as Partial<ApiErrorBody> | undefined)?.error;
    const [fallbackCode, fallbackMessage] = STATUS_CODES[res.status] ?? ["INTERNAL", `Request failed (${res.status}).`];
    // A code this client does not know (a newer server) is reported by its status instead.
    const code = isErrorCode(err?.code) ? err.code : fallbackCode;
    throw new ApiError(res.status, code, err?.message ?? fallbackMessage, err?.fields ?? {});
  }
  return body as T;
}

/** A message for any error thrown by apiFetch or fetch itself. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof TypeError) return "Network error: check your connection and try again.";
  return "Something went wrong. Try again.";
}

/** First message per field of a zod error, keyed like the API's `fields`. */
export function zodFieldErrors(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".") || "_";
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}
