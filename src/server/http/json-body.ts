import "server-only";
import { parse as parseMediaType } from "content-type";
import type { z } from "zod";
import { AppError } from "../errors";

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  entries?: Record<string, string | number>;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  checks?: unknown[];
  check?: string;
  maximum?: number;
};

const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/**
 * The most bytes a JSON value valid for `schema` can take, written compactly:
 * every string at its maximum length with every character escaped as
 * `\uXXXX` (6 bytes, more than any UTF-8 encoding of one UTF-16 unit). A
 * string without a maximum throws: a body limit cannot be derived from it,
 * and an unbounded field should not exist in a request schema anyway.
 */
export function maxJsonBytes(schema: z.ZodType): number {
  const def = defOf(schema);
  switch (def.type) {
    case "object": {
      let total = 2;
      for (const [key, value] of Object.entries(def.shape ?? {})) total += key.length * 6 + 4 + maxJsonBytes(value);
      return total;
    }
    case "string": {
      const max = (schema as unknown as { maxLength: number | null }).maxLength;
      if (max === null || max === undefined) throw new Error("maxJsonBytes: a string field has no maximum length");
      return 2 + max * 6;
    }
    case "enum":
      return 2 + Math.max(...Object.values(def.entries ?? {}).map((v) => String(v).length)) * 6;
    case "number":
      return 32; // -1.7976931348623157e+308 is 24 bytes
    case "boolean":
    case "null":
      return 5;
    case "union":
      return Math.max(...(def.options ?? []).map((o) => maxJsonBytes(o)));
    case "array": {
      // Bounded like strings: an array without `.max()` has no size to derive.
      const max = (def.checks ?? []).map((c) => defOf(c as z.ZodType)).find((c) => c.check === "max_length")?.maximum;
      if (max === undefined) throw new Error("maxJsonBytes: an array field has no maximum length");
      return 2 + max * (maxJsonBytes(def.element!) + 1);
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
      return Math.max(4, maxJsonBytes(def.innerType!));
    case "pipe":
      return maxJsonBytes(def.in!);
    default:
      throw new Error(`maxJsonBytes: no size rule for zod type "${def.type}"`);
  }
}

/**
 * The body limit for a JSON endpoint: what its schema allows (maxJsonBytes),
 * plus a quarter and 1 KiB of headroom for whitespace and field order.
 */
export function jsonBodyLimit(schema: z.ZodType): number {
  return Math.ceil(maxJsonBytes(schema) * 1.25) + 1024;
}

/**
 * Refuse unless the media type parses exactly as application/json (charset,
 * when given, must be UTF-8, the only encoding JSON has: RFC 8259).
 * `application/jsonx`, `application/json-patch+json`, `text/plain` (a form's
 * and a "simple" cross-site fetch's type) are all 415.
 */
export function assertJsonMediaType(header: string | null): void {
  const refuse = () => new AppError("UNSUPPORTED_MEDIA_TYPE", "Send a JSON body with Content-Type: application/json");
  if (!header) throw refuse();
  let parsed: ReturnType<typeof parseMediaType>;
  try {
    parsed = parseMediaType(header);
  } catch {
    throw refuse();
  }
  if (parsed.type !== "application/json") throw refuse();
  const charset = parsed.parameters.charset?.toLowerCase();
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") throw refuse();
}

function tooLarge(limit: number) {
  return new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than this endpoint accepts (${limit} bytes)`);
}

/**
 * Read a request body of at most `limit` bytes. A declared Content-Length over
 * the limit is refused before reading; otherwise reading stops as soon as the
 * bytes received cross it, whatever the headers claimed, so nothing past the
 * limit is ever held in memory (the 413 closes the connection: errorResponse).
 */
export async function readBodyCapped(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not cancelled: cancelling destroys the connection at once, before the
      // 413 is written. The response closes it, lingering (http/linger.ts).
      reader.releaseLock();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return body;
}

/** Decode and parse a JSON body; malformed UTF-8 or JSON is a 400. */
export function decodeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new AppError("VALIDATION", "The request body is not valid JSON");
  }
}
