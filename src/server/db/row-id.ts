import "server-only";
import { createId } from "@paralleldrive/cuid2";

/**
 * A new row id for rows inserted with direct SQL (src/server/db/sql.ts),
 * where Prisma's `@default(cuid(2))` does not run: a cuid2 from the same
 * algorithm's maintained package, so ids look alike whoever made them (ZId
 * accepts them) and carry no counter or time a reader could learn from.
 */
export function newRowId(): string {
  return createId();
}
