/**
 * Building blocks for every text field the API accepts. PostgreSQL (and so
 * PGlite) cannot store U+0000 in text columns or compare against it; without
 * this check such input reaches the database and fails there as a 500
 * instead of a clear 400.
 */
import { z } from "zod";
import "./zod-csp";

const NO_NUL = /^[^\u0000]*$/;

/** A string that PostgreSQL can store: no NUL characters. */
export function text() {
  return z.string().regex(NO_NUL, "Text cannot contain NUL characters");
}

/**
 * Ids are server-generated cuids: v1 (25 characters, records created before
 * issue 7) and cuid2 (24, since: no counter or timestamp a requester could
 * read); anything else cannot name a record.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A record id as sent by clients (ticket, user or attachment). */
export const ZId = z.string().max(64, "Not a valid id").regex(ID_PATTERN, "Not a valid id");
