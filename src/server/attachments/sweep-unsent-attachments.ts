import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "../../generated/prisma/client";

/** A staged file (uploaded from a reply box) not sent within this long was abandoned. */
export const UNSENT_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Remove staged attachments nobody sent (the reply was discarded, the tab
 * closed): their rows, then their blobs. The row goes first, so a file can
 * never be linked to a comment after its bytes are gone; the conditional
 * delete (still staged) loses cleanly to a comment sending it at the same
 * moment. Free of `server-only` because server.ts calls it outside Next.
 */
export async function sweepUnsentAttachments(prisma: PrismaClient, uploadDir: string, now = Date.now()): Promise<number> {
  const stale = await prisma.attachment.findMany({
    where: { staged: true, createdAt: { lt: new Date(now - UNSENT_AFTER_MS) } },
    select: { id: true, storageKey: true },
    take: 500,
  });
  let removed = 0;
  for (const row of stale) {
    const { count } = await prisma.attachment.deleteMany({ where: { id: row.id, staged: true } });
    if (count === 0) continue; // sent meanwhile
    await fs.promises.rm(path.join(uploadDir, row.storageKey), { force: true });
    removed++;
  }
  return removed;
}
