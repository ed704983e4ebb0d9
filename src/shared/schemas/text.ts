/**
 * Building blocks for every text field the API accepts. PostgreSQL (and so
 * PGlite) cannot store U+0000 in text columns or compare against it, and a
 * lone UTF-16 surrogate (`"\ud800"` is valid JSON, and JSON.parse accepts it)
 * has no UTF-8 form: the event log's jsonb column refuses it, and a text
 * column would silently store U+FFFD instead. Without these checks such input
 * reaches the database and fails there as a 500 instead of a clear 400.
 */
import { z } from "zod";
import "./zod-csp";

const NO_NUL = /^[^\u0000]*$/;

// With the `u` flag a well-formed surrogate pair is one code point (not in
// \p{Cs}), so this matches only unpaired surrogates. A regex rather than
// String#isWellFormed so it needs no ES2024 lib and runs in every browser the
// forms support.
const LONE_SURROGATE = /\p{Cs}/u;

/** True when `s` is well-formed UTF-16 (no unpaired surrogate), i.e. has a UTF-8 encoding. */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** A string that PostgreSQL can store: no NUL characters and no unpaired surrogates. */
export function text() {
  return z
    .string()
    .regex(NO_NUL, "Text cannot contain NUL characters")
    .refine(isWellFormedText, "Text contains malformed Unicode (an unpaired surrogate)");
}

/**
 * Line breaks, other control characters (C0, DEL, C1) and the Unicode
 * characters that override or isolate text direction (U+202A–U+202E,
 * U+2066–U+2069, the "Trojan Source" set). A name or a title is shown inline
 * in other people's screens and mail, beside the app's own words: a line
 * break there forged whole lines in staff mail ("Open the ticket: <a link>"),
 * and a right-to-left override reversed the app's text after it. Letters of
 * right-to-left scripts are letters, and stay allowed.
 */
const NOT_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Whether `s` holds none of NOT_ONE_LINE's characters. */
export function isOneLine(s: string): boolean {
  return !NOT_ONE_LINE.test(s);
}

/** Text shown inline (names, titles): `text()` on one line, without control or text-direction characters. */
export function line(what: string) {
  return text().trim().refine(isOneLine, `${what} must be one line, without control or text-direction characters`);
}

/**
 * Ids are server-generated cuids: v1 (25 characters, records created before
 * issue 7) and cuid2 (24, since: no counter or timestamp a requester could
 * read); anything else cannot name a record.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A record id as sent by clients (ticket, user or attachment). */
export const ZId = z.string().max(64, "Not a valid id").regex(ID_PATTERN, "Not a valid id");
