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
  if (used + 24 > pool.length) {
    pool = randomBytes(24 * POOL_IDS);
    used = 0;
  }
  const at = used;
  used += 24;
  let id = ALPHABET[pool[at]! % 26]!;
  for (let i = 1; i < 24; i++) id += ALPHABET[pool[at + i]! & 31]!;
  return id;
}

// The random bytes come 256 ids' worth at a time, as Node's own randomUUID
// caches its entropy: one `randomBytes` call per id (a `getrandom` system
// call, through Next's wrapper of node:crypto) was about 0.1 ms of each
// comment's CPU in the profile. The same CSPRNG's bytes, each used once.
const POOL_IDS = 256;
let pool = Buffer.alloc(0);
let used = 0;
