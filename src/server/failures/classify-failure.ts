import "server-only";
import { AppError } from "../errors";

/** Seconds a client should wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_S = 5;

// Socket-level errors of the pg driver (and Node's net module) when PostgreSQL is down or unreachable.
const CONNECTION_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);
// Prisma: P1001 can't reach server, P1002 timed out, P1008 operation timeout,
// P1017 server closed the connection, P2024 connection-pool timeout.
const PRISMA_CONNECTION_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
// PostgreSQL SQLSTATEs for a server that is shutting down or not accepting connections yet
// (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection exceptions).
const PG_UNAVAILABLE_STATES = /^(57P0[123]|08\d\d\d)$/;
// Messages of pg-pool and the driver adapter that carry no code.
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Can't reach database server|the database system is (shutting down|starting up)|DatabaseNotReachable|ConnectionClosed|SocketTimeout/i;

type Errorish = { code?: unknown; errno?: unknown; message?: unknown; cause?: unknown; meta?: unknown; errors?: unknown; kind?: unknown; originalCode?: unknown; name?: unknown };

/** Walk an error, its `cause` chain, AggregateError members and Prisma's adapter `meta`. */
function* chain(e: unknown, depth = 0): Generator<Errorish> {
  if (depth > 8 || typeof e !== "object" || e === null) return;
  const err = e as Errorish;
  yield err;
  yield* chain(err.cause, depth + 1);
  if (Array.isArray(err.errors)) for (const inner of err.errors) yield* chain(inner, depth + 1);
  const meta = err.meta as { driverAdapterError?: unknown; cause?: unknown } | undefined;
  if (meta && typeof meta === "object") {
    yield* chain(meta.driverAdapterError, depth + 1);
    yield* chain(meta.cause, depth + 1);
  }
}

/**
 * True when `e` means the database could not be reached (refused, reset,
 * timed out, pool exhausted, shutting down), as opposed to a bug or a bad
 * query: the request may succeed if retried later. Recognises pg/Node errno
 * codes, Prisma's P1001/P1002/P1008/P1017/P2024, PostgreSQL's 57P0x/08xxx
 * SQLSTATEs and the driver adapter's wrapped forms.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (const err of chain(e)) {
    const code = typeof err.code === "string" ? err.code : undefined;
    const original = typeof err.originalCode === "string" ? err.originalCode : undefined;
    if (code && (CONNECTION_ERRNOS.has(code) || PRISMA_CONNECTION_CODES.has(code) || PG_UNAVAILABLE_STATES.test(code))) return true;
    if (original && (CONNECTION_ERRNOS.has(original) || PG_UNAVAILABLE_STATES.test(original))) return true;
    if (typeof err.message === "string" && CONNECTION_MESSAGES.test(err.message)) return true;
    if (typeof err.kind === "string" && /^(DatabaseNotReachable|ConnectionClosed|SocketTimeout|TooManyConnections)$/.test(err.kind)) return true;
  }
  return false;
}

// Prisma's interactive-transaction errors (P2028) that mean the work was
// never done or was rolled back because the server is overloaded: no
// connection came free within maxWait, or the transaction ran past its
// timeout and Prisma rolled it back (later statements then find it closed).
// Other P2028s ("cannot be executed on a committed transaction") are bugs.
const OVERLOAD_MESSAGES = /Unable to start a transaction in the given time|cannot be executed on an expired transaction|cannot be executed on a transaction that was rolled back|Transaction not found/;
// PostgreSQL rolled the work back because it collided with concurrent work:
// 40P01 deadlock_detected, 40001 serialization_failure (Prisma: P2034).
// Locks are taken in one order (src/server/comments/add-comment.ts says
// which), so none is expected; should one happen, it is a retry, not a bug
// to show as "Something went wrong".
const PG_CONFLICT_STATES = new Set(["40P01", "40001"]);

/**
 * True when `e` means the server was too busy to do the work and rolled it
 * back (see OVERLOAD_MESSAGES): nothing was saved, and a retry later may
 * succeed. Without this, a burst of writers got 500s under load (issue 11's
 * write benchmark).
 */
export function isOverloaded(e: unknown): boolean {
  for (const err of chain(e)) {
    if (err.code === "P2028" && typeof err.message === "string" && OVERLOAD_MESSAGES.test(err.message)) return true;
    if (err.code === "P2034" || (typeof err.code === "string" && PG_CONFLICT_STATES.has(err.code))) return true;
    if (typeof err.originalCode === "string" && PG_CONFLICT_STATES.has(err.originalCode)) return true;
  }
  return false;
}

/** True when `e` (or its cause) is the filesystem reporting no space left (ENOSPC) or no quota left (EDQUOT). */
export function isDiskFull(e: unknown): boolean {
  for (const err of chain(e)) {
    if (err.code === "ENOSPC" || err.code === "EDQUOT") return true;
    // PGlite reports a full disk as PostgreSQL's disk_full SQLSTATE.
    if (err.code === "53100" || (typeof err.message === "string" && /No space left on device/i.test(err.message))) return true;
  }
  return false;
}

/**
 * The coded error an infrastructure failure stands for, or null for anything
 * else: the one place that turns "database down" and "disk full" into
 * answers a client can act on instead of a 500.
 */
export function infrastructureError(e: unknown): AppError | null {
  if (isDiskFull(e)) return new AppError("STORAGE_FULL", "The server's disk is full: nothing was saved. Try again once an administrator has freed space.");
  if (isDatabaseUnavailable(e)) return new AppError("UNAVAILABLE", "The database is unreachable right now: nothing was saved. Try again in a few seconds.");
  if (isOverloaded(e)) return new AppError("UNAVAILABLE", "The server is too busy right now: nothing was saved. Try again in a few seconds.");
  return null;
}
