/**
 * Password hashing: argon2id through @node-rs/argon2, whose hash and verify
 * run on libuv's threadpool, so a flood of sign-ins never blocks the event
 * loop that serves everyone else (bcryptjs, used before, hashed in JavaScript
 * on the event loop). Hashes made by bcryptjs still verify and are upgraded at
 * the next successful sign-in. Free of `server-only`: seeding runs in plain Node.
 */
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import bcrypt from "bcryptjs";

/**
 * OWASP Password Storage Cheat Sheet, first argon2id option: m=19 MiB, t=2, p=1.
 * `algorithm: 2` is Algorithm.Argon2id (a const enum in the typings, which
 * isolatedModules cannot import).
 */
export const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** bcrypt reads only the first 72 bytes of a password. */
export const BCRYPT_MAX_BYTES = 72;

/**
 * At most this many hashes run at once. libuv's threadpool has 4 threads by
 * default and also serves file reads, DNS lookups and zlib; a sign-in flood
 * holding all four would stall uploads and static files instead of the event
 * loop. Waiting hashes queue here, in order. (A counting semaphore is a dozen
 * lines; no dependency for it.)
 */
const MAX_CONCURRENT_HASHES = 2;
let running = 0;
const waiting: Array<() => void> = [];

async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** Hash a password for storage (argon2id, salted, PHC string). */
export function hashPassword(password: string): Promise<string> {
  return withHashSlot(() => hash(password, ARGON2_OPTIONS));
}

function isBcrypt(stored: string): boolean {
  return /^\$2[abxy]\$/.test(stored);
}

function hasCurrentParams(stored: string): boolean {
  const { memoryCost: m, timeCost: t, parallelism: p } = ARGON2_OPTIONS;
  return stored.startsWith(`$argon2id$v=19$m=${m},t=${t},p=${p}$`);
}

export type PasswordCheck = {
  ok: boolean;
  /** The stored hash is bcrypt or has old parameters: store a fresh hash after a successful check. */
  needsRehash: boolean;
};

/**
 * Check a password against a stored hash (argon2id, or legacy bcrypt).
 *
 * A legacy bcrypt hash cannot tell a password longer than 72 bytes from any
 * other with the same first 72 bytes, so such a password is refused rather
 * than checked on a truncated copy: the account needs a new password (set by
 * an administrator). Nothing in Tandem ever set one that long through the
 * sign-in schema's limit, so this affects only imported hashes.
 */
export async function verifyPassword(stored: string, password: string): Promise<PasswordCheck> {
  if (isBcrypt(stored)) {
    if (Buffer.byteLength(password, "utf8") > BCRYPT_MAX_BYTES) return { ok: false, needsRehash: false };
    return { ok: await bcrypt.compare(password, stored), needsRehash: true };
  }
  let ok = false;
  try {
    ok = await withHashSlot(() => verify(stored, password));
  } catch {
    ok = false; // malformed stored hash: a failed check, not a crash
  }
  return { ok, needsRehash: ok && !hasCurrentParams(stored) };
}

let dummy: Promise<string> | undefined;

/**
 * Spend exactly what a real check costs, for unknown emails, so a miss does
 * not reveal which emails exist: a verify against an argon2id hash with the
 * current parameters, made once per process from random bytes.
 */
export async function verifyDummy(password: string): Promise<void> {
  dummy ??= hashPassword(randomBytes(32).toString("base64"));
  await verifyPassword(await dummy, password);
}
