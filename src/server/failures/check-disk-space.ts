import "server-only";
import fs from "node:fs";

/** Below this much free space (or a tenth of a smaller filesystem) writes are about to fail. */
const RESERVE_BYTES = 8 * 1024 * 1024;

export type DiskState = { disk: "ok" | "full" | "unknown"; diskFreeBytes: number | null };

async function checkOne(dir: string): Promise<DiskState> {
  try {
    const s = await fs.promises.statfs(dir);
    const free = s.bavail * s.bsize;
    const reserve = Math.min(RESERVE_BYTES, (s.blocks * s.bsize) / 10);
    return { disk: free < reserve ? "full" : "ok", diskFreeBytes: free };
  } catch {
    return { disk: "unknown", diskFreeBytes: null };
  }
}

/**
 * Free space on the filesystems that hold `dirs` (DATA_DIR: the embedded
 * database; its uploads dir, which may be a mount of its own), via statfs:
 * "full" once one has less than 8 MiB (or a tenth of a smaller filesystem)
 * left for an unprivileged process. Reports the fullest.
 */
export async function checkDiskSpace(...dirs: string[]): Promise<DiskState> {
  const states = await Promise.all(dirs.map((dir) => checkOne(dir)));
  const full = states.find((s) => s.disk === "full");
  if (full) return full;
  const known = states.filter((s) => s.diskFreeBytes !== null);
  if (!known.length) return { disk: "unknown", diskFreeBytes: null };
  return { disk: "ok", diskFreeBytes: Math.min(...known.map((s) => s.diskFreeBytes!)) };
}
