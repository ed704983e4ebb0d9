import "server-only";
import { ID_PATTERN } from "../../shared/schemas/text";
import { AppError } from "../errors";

/**
 * Keyset cursors of paged lists, opaque to clients: `v` is the sort field's
 * value (an ISO date: ticket lists, the audit log), the rank for a
 * relevance-sorted search (`r`), or a name (`n`: the users list).
 */
export type DateCursor = { v: string; id: string };
export type RankCursor = { r: number; id: string };
export type NameCursor = { n: string; id: string };

export function encodeCursor(c: DateCursor | RankCursor | NameCursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

/**
 * Only the form encodeCursor writes (Date#toISOString, UTC, milliseconds),
 * within what a timestamp column holds. Date.parse alone also takes "2020",
 * "0" or "Jan 2020", which PostgreSQL's ::timestamp cast refuses: a
 * hand-made cursor was a 500 instead of a 400.
 */
function isCursorDate(iso: string): boolean {
  const t = Date.parse(iso);
  return !Number.isNaN(t) && t >= Date.UTC(1970, 0, 1) && t < Date.UTC(10000, 0, 1) && new Date(t).toISOString() === iso;
}

function invalid(): never {
  throw new AppError("VALIDATION", "Invalid cursor", { cursor: ["Invalid cursor"] });
}

function parse(raw: string): Record<string, unknown> {
  try {
    const c: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (c && typeof c === "object") return c as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  return invalid();
}

/** A date cursor. Cursors come back from clients: only well-formed ids and dates PostgreSQL can compare. */
export function decodeDateCursor(raw: string): DateCursor {
  const c = parse(raw);
  if (typeof c.v === "string" && typeof c.id === "string" && ID_PATTERN.test(c.id) && isCursorDate(c.v)) return { v: c.v, id: c.id };
  return invalid();
}

/** A rank cursor: a finite number and a well-formed id. */
export function decodeRankCursor(raw: string): RankCursor {
  const c = parse(raw);
  if (typeof c.r === "number" && Number.isFinite(c.r) && typeof c.id === "string" && ID_PATTERN.test(c.id)) return { r: c.r, id: c.id };
  return invalid();
}

/** A name cursor: a name as long as a name may be, and a well-formed id. */
export function decodeNameCursor(raw: string): NameCursor {
  const c = parse(raw);
  if (typeof c.n === "string" && c.n.length <= 100 && typeof c.id === "string" && ID_PATTERN.test(c.id)) return { n: c.n, id: c.id };
  return invalid();
}
