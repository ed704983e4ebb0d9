import "server-only";
import { db } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import { limiter, retryAfterSeconds, tryConsume } from "./store";

const HOUR = 60 * 60;
const DAY = 24 * HOUR;

export type CreationKind = "ticket" | "comment" | "upload";

function limitFor(kind: CreationKind) {
  const e = env();
  switch (kind) {
    case "ticket":
      return { keyPrefix: "create:ticket", points: e.TICKET_CREATE_LIMIT, duration: HOUR, per: "hour" };
    case "comment":
      return { keyPrefix: "create:comment", points: e.COMMENT_CREATE_LIMIT, duration: 60, per: "minute" };
    case "upload":
      return { keyPrefix: "create:upload", points: e.UPLOAD_LIMIT, duration: HOUR, per: "hour" };
  }
}

const NOUN: Record<CreationKind, string> = { ticket: "tickets", comment: "comments", upload: "uploads" };

/**
 * Count one creation of `kind` by `userId` against its per-user limit
 * (TICKET_CREATE_LIMIT per hour, COMMENT_CREATE_LIMIT per minute,
 * UPLOAD_LIMIT per hour), or throw RATE_LIMITED with Retry-After. Call it
 * after authorization and validation and before anything is written, so a
 * refused request creates nothing. Counted in Redis with REDIS_URL (across
 * processes), else in memory.
 */
export async function enforceCreationLimit(kind: CreationKind, userId: string): Promise<void> {
  const { per, ...options } = limitFor(kind);
  const refused = await tryConsume(limiter(options), userId);
  if (refused) {
    throw new AppError(
      "RATE_LIMITED",
      `Too many ${NOUN[kind]}: at most ${options.points} per ${per}. Try again later.`,
      undefined,
      retryAfterSeconds(refused),
    );
  }
}

/**
 * Give back the count enforceCreationLimit took, for a creation that then
 * wrote nothing (a reply's one statement whose condition did not hold, see
 * src/server/comments/add-comment.ts). Best effort: a store that cannot be
 * reached leaves the count taken, which only errs on the side of the limit.
 */
export async function refundCreationLimit(kind: CreationKind, userId: string): Promise<void> {
  const { per: _per, ...options } = limitFor(kind);
  await limiter(options)
    .reward(userId, 1)
    .catch(() => undefined);
}

export type UploadAllowance = {
  /** Bytes this user may still upload in the current 24 hours. */
  remainingBytes: number;
  /** Seconds until the oldest upload in the window stops counting. */
  retryAfterSeconds: number;
};

/**
 * What is left of `userId`'s daily upload quota (UPLOAD_QUOTA_MB per 24
 * hours), summed from the Attachment table so it is exact across processes
 * and restarts.
 */
export async function uploadAllowance(userId: string, now = new Date()): Promise<UploadAllowance> {
  const quota = Math.floor(env().UPLOAD_QUOTA_MB * 1024 * 1024);
  const since = new Date(now.getTime() - DAY * 1000);
  const used = await db().attachment.aggregate({
    where: { uploaderId: userId, createdAt: { gt: since } },
    _sum: { size: true },
    _min: { createdAt: true },
  });
  const oldest = used._min.createdAt;
  return {
    remainingBytes: Math.max(0, quota - (used._sum.size ?? 0)),
    retryAfterSeconds: oldest ? Math.max(1, Math.ceil((oldest.getTime() + DAY * 1000 - now.getTime()) / 1000)) : DAY,
  };
}

/** The RATE_LIMITED error for an upload over the daily quota. */
export function quotaExceeded(allowance: UploadAllowance): AppError {
  return new AppError(
    "RATE_LIMITED",
    `Daily upload quota of ${env().UPLOAD_QUOTA_MB} MB reached. Try again later.`,
    undefined,
    allowance.retryAfterSeconds,
  );
}
