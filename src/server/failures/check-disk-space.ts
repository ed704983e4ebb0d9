import "server-only";
import fs from "node:fs";

/** Below this much free space (or a tenth of a smaller filesystem) writes are about to fail. */
const RESERVE_BYTES = 8 * 1024 * 1024;

export type DiskState = { disk: "ok" | "full" | "unknown"; diskFreeBytes: number | null };

/**
 * Free space on the filesystem that holds `dir` (DATA_DIR: the embedded
 * database and the uploads), via statfs: "full" once less than 8 MiB (or a
 * tenth of a smaller filesystem) is left for this unprivileged process.
 */
export async function checkDiskSpace(dir: string): Promise<DiskState> {
  try {
    const s = await fs.promises.statfs(dir);
    const free = s.bavail * s.bsize;
    const reserve = Math.min(RESERVE_BYTES, (s.blocks * s.bsize) / 10);
    return { disk: free < reserve ? "full" : "ok", diskFreeBytes: free };
  } catch {
    return { disk: "unknown", diskFreeBytes: null };
  }
}
