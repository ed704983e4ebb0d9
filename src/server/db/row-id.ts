import "server-only";
import { randomBytes } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/**
 * A new row id for rows inserted with raw SQL, where Prisma's `@default(cuid(2))`
 * does not run: 24 lowercase letters and digits starting with a letter, like
 * the cuid2 ids Prisma makes (so ZId accepts it and nothing can tell them
 * apart), from 115 random bits: no counter or time a reader could learn from.
 *
 * Not @paralleldrive/cuid2's createId, tried first: it hashes with SHA-3 and
 * big-number arithmetic (bignumber.js) per id, which showed in the profile of
 * the comment path (each reply and each notification makes ids); what these
 * ids need, uniqueness and nothing to learn from, is random bytes.
 */
export function newRowId(): string {
  const bytes = randomBytes(24);
  let id = ALPHABET[bytes[0]! % 26]!;
  for (let i = 1; i < 24; i++) id += ALPHABET[bytes[i]! & 31]!;
  return id;
}
