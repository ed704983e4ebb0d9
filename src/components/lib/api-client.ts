import type { ApiErrorBody } from "../../shared/dto";

/** A failed API call: the server's error code, message and per-field messages. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string[]>;

  constructor(status: number, code: string, message: string, fields: Record<string, string[]> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/** Codes for statuses a proxy may produce without our JSON body. */
const STATUS_CODES: Record<number, [string, string]> = {
  401: ["UNAUTHORIZED", "Your session has ended. Sign in again."],
  403: ["FORBIDDEN", "You are not allowed to do that."],
  404: ["NOT_FOUND", "Not found."],
  409: ["CONFLICT", "This ticket was changed by someone else."],
  413: ["PAYLOAD_TOO_LARGE", "The file is too large."],
  429: ["RATE_LIMITED", "Too many requests. Try again in a moment."],
};

/**
 * Call the same-origin JSON API with the session cookie. Resolves with the
 * parsed body; rejects with ApiError (HTTP errors) or a network error.
 */
export async function apiFetch<T>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, headers, ...rest } = init;
  const res = await fetch(url, {
    credentials: "same-origin",
    cache: "no-store",
    ...rest,
    headers: {
      Accept: "application/json",
      ...(json !== undefined ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
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
    throw new ApiError(res.status, err?.code ?? fallbackCode, err?.message ?? fallbackMessage, err?.fields ?? {});
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
