import fs from "node:fs";
import path from "node:path";

/** Partial uploads older than this were cut off by a crash, not in flight. */
const STALE_AFTER_MS = 60 * 60 * 1000;

/**
 * Remove partial uploads left in `uploads/tmp` by a process that died mid-upload.
 * Several processes may share DATA_DIR (PostgreSQL deployments), so only files
 * old enough that no live upload can own them are removed. Run once at start.
 * Free of `server-only` because server.ts calls it outside Next.
 */
export async function sweepStaleUploads(uploadDir: string, now = Date.now()): Promise<number> {
  const tmpDir = path.join(uploadDir, "tmp");
  let names: string[];
  try {
    names = await fs.promises.readdir(tmpDir);
  } catch {
    return 0; // no uploads yet
  }
  let removed = 0;
  for (const name of names) {
    const file = path.join(tmpDir, name);
    try {
      const stat = await fs.promises.stat(file);
      if (stat.isFile() && now - stat.mtimeMs > STALE_AFTER_MS) {
        await fs.promises.rm(file, { force: true });
        removed++;
      }
    } catch {
      // Gone meanwhile (another process finished with it): nothing to do.
    }
  }
  return removed;
}
