import "server-only";
import { createHash } from "node:crypto";
import type { Prisma } from "../../generated/prisma/client";
import { db, isUniqueViolation, sql } from "../db";
import { statement } from "../db/sql";
import { AppError, isAppError } from "../errors";

type Tx = Prisma.TransactionClient;

/** How long a key's response is remembered (Stripe keeps keys 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** An Idempotency-Key as sent by one user for one request. */
export type Idempotency = {
  userId: string;
  key: string;
  /** Hash of what the request asks for; see fingerprintOf. */
  fingerprint: string;
};

/**
 * How a use case stores the response beside the record it describes, so the
 * key row commits exactly when the record does: inside its Prisma
 * transaction, or (a single-statement writer such as a plain comment) as
 * part of its own statement, from `key`.
 */
export type Remember<T> = {
  inTransaction(tx: Tx, body: T): Promise<void>;
  /** The IdempotencyKey row's columns besides the response (the user is the actor's). */
  key: { userId: string; key: string; fingerprint: string; status: number; expiresAt: Date };
};

export type IdempotentResult<T> = { status: number; body: T; replayed: boolean };

/**
 * Fingerprint of a request: its method and path and its validated input, so
 * the same key sent again with another body (or to another ticket) is
 * recognised as a misuse rather than replayed.
 */
export function fingerprintOf(method: string, path: string, input: unknown): string {
  return createHash("sha256").update(JSON.stringify([method, path, input ?? null])).digest("hex");
}

/** Every create that carries a key (the browser sends one with each) looks it up first: a prepared statement (src/server/db/sql.ts). */
const FIND_KEY = statement(
  "idempotency_key",
  `SELECT "fingerprint", "status", "response", "expiresAt" > ($3::timestamptz AT TIME ZONE 'UTC') AS "live"
   FROM "IdempotencyKey" WHERE "userId" = $1 AND "key" = $2`,
);

async function findLive(idem: Idempotency) {
  const [row] = await sql().query<{ fingerprint: string; status: number; response: unknown; live: boolean }>(FIND_KEY, [
    idem.userId,
    idem.key,
    new Date().toISOString(),
  ]);
  if (!row) return null;
  if (row.live) return row;
  // An expired key is forgotten: the request runs as new.
  await db().idempotencyKey.deleteMany({ where: { userId: idem.userId, key: idem.key, expiresAt: { lte: new Date() } } });
  return null;
}

function replay<T>(idem: Idempotency, row: { fingerprint: string; status: number; response: unknown }): IdempotentResult<T> {
  if (row.fingerprint !== idem.fingerprint) {
    throw new AppError(
      "IDEMPOTENCY_KEY_REUSED",
      "This Idempotency-Key was already used for a different request; send a new key for a new request",
    );
  }
  return { status: row.status, body: row.response as T, replayed: true };
}

let lastSweep = 0;
/** Expired keys are deleted at most once a minute per process, on the way into a new one. */
async function sweepExpired() {
  if (Date.now() - lastSweep < 60_000) return;
  lastSweep = Date.now();
  await db().idempotencyKey.deleteMany({ where: { expiresAt: { lte: new Date() } } });
}

/**
 * Run a create use case at most once per (user, key).
 *
 * Without a key, `run` simply runs. With one, a remembered response is
 * replayed (same status and body); otherwise `run` does the work and calls
 * `remember` inside its transaction, so the key row commits exactly when the
 * record does. Two concurrent requests with one key both miss the lookup, but
 * only one can insert the (userId, key) primary key: on PostgreSQL the second
 * insert waits for the first transaction and then fails, which rolls back the
 * second record entirely, and the second request replays the first's response.
 * Across processes this holds the same way, since the key lives in the database.
 *
 * `writeFirst`: no lookup before `run`, for a use case that writes its key
 * row in the statement that creates the record (a reply, whose browser
 * sends a key with every send: the lookup was a round trip on every reply
 * for the rare retry). A retry's write then fails on the key and writes
 * nothing, and the lookup comes after: it replays the first response, or
 * refuses a different request under the same key, as the lookup first does.
 * Any other failure is looked up too, so a retry still gets the first
 * response when what it asks is no longer allowed (the ticket closed to its
 * sender since). `run` must count nothing it does not write (add-comment.ts
 * gives the creation limit's count back when it fails).
 */
export async function runIdempotent<T>(
  idem: Idempotency | undefined,
  status: number,
  run: (remember: Remember<T> | undefined) => Promise<T>,
  options: { writeFirst?: boolean } = {},
): Promise<IdempotentResult<T>> {
  if (!idem) return { status, body: await run(undefined), replayed: false };
  if (!options.writeFirst) {
    const stored = await findLive(idem);
    if (stored) return replay(idem, stored);
  }
  await sweepExpired().catch(() => undefined);
  const key = { userId: idem.userId, key: idem.key, fingerprint: idem.fingerprint, status, expiresAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS) };
  const remember: Remember<T> = {
    key,
    async inTransaction(tx, response) {
      await tx.idempotencyKey.create({ data: { ...key, response: response as Prisma.InputJsonValue } });
    },
  };
  for (let attempt = 0; ; attempt++) {
    try {
      return { status, body: await run(remember), replayed: false };
    } catch (e) {
      if (!options.writeFirst && !isUniqueViolation(e)) throw e;
      // A session that has ended gets nothing replayed (authedByWrite).
      if (isAppError(e) && e.code === "UNAUTHORIZED") throw e;
      // Lost the race to a concurrent request with the same key (its record
      // committed, ours rolled back), or, writing first, a retry.
      let winner: Awaited<ReturnType<typeof findLive>>;
      try {
        winner = await findLive(idem);
      } catch {
        throw e;
      }
      if (winner) return replay(idem, winner);
      // An expired key was in the way: findLive has removed it, so run once more as new.
      if (options.writeFirst && isUniqueViolation(e) && attempt === 0) continue;
      throw e;
    }
  }
}
