import { z } from "zod";

/** The request header that makes a create request safe to retry (IETF draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

/** Header on a response that replays the first result of a key instead of doing the work again (as Stripe names it). */
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";

/**
 * A key: 1-255 characters of a URL-safe ASCII set. A UUID (what the browser
 * sends, from crypto.randomUUID()) fits; so does any client's ULID or token.
 * The bound keeps the unique index small and the header loggable.
 */
export const ZIdempotencyKey = z
  .string()
  .min(1, "Idempotency-Key must not be empty")
  .max(255, "Idempotency-Key is limited to 255 characters")
  .regex(/^[A-Za-z0-9._:~+/=-]+$/, "Idempotency-Key may contain only letters, digits and . _ : ~ + / = -");
