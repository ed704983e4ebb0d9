import "server-only";
import type { Prisma, PrismaClient } from "../../generated/prisma/client";
import { AppError } from "../errors";

/**
 * Run `work` in a transaction whose statements PostgreSQL cancels after `ms`
 * (`set_config('statement_timeout', …, true)` is SET LOCAL with a bind
 * parameter: it ends with the transaction, so pooled connections keep their
 * default). A cancelled query becomes UNAVAILABLE (503) instead of holding a
 * connection and a CPU for as long as a hostile search takes.
 *
 * PGlite accepts the setting but cannot enforce it: it runs single-threaded
 * in WebAssembly without the timer signal PostgreSQL cancels with. See
 * security-notes/limits.md.
 */
export async function withStatementTimeout<T>(
  prisma: PrismaClient,
  ms: number,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  try {
    return await prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT set_config('statement_timeout', ${String(Math.max(1, Math.floor(ms)))}, true)`;
      return work(tx);
    });
  } catch (e) {
    if (isStatementTimeout(e)) throw new AppError("UNAVAILABLE", "The query took too long. Narrow the search and try again.");
    throw e;
  }
}

/** PostgreSQL's query_canceled (57014), however the driver adapter wraps it. */
function isStatementTimeout(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === "object" && depth < 5; depth++) {
    const c = cur as { code?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown };
    if (c.code === "57014" || c.originalCode === "57014") return true;
    if (typeof c.message === "string" && /statement timeout/i.test(c.message)) return true;
    cur = c.cause;
  }
  return false;
}
