/**
 * DATA_DIR holds the database, the uploaded files and the generated session
 * secret: nobody but the service user should read it. New files are private
 * through the process umask (server.ts, prisma.config.ts and scripts/seed.ts
 * set 077, and child processes such as the migration step inherit it); this
 * fixes what an older version, or a run without that umask, left behind.
 * Free of `server-only` because server.ts calls it outside Next.
 */
import fs from "node:fs";
import path from "node:path";

/** Mode bits new files and directories get under the service's umask. */
export const PRIVATE_UMASK = 0o077;

/**
 * Create `dir` if needed and make it and everything under it private: 0700
 * directories, 0600 files. Symbolic links are not followed (they may point
 * outside, at files that are not ours to change).
 * @returns how many entries had their mode changed.
 */
export function makeDataDirPrivate(dir: string): number {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let changed = 0;
  const visit = (p: string) => {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch {
      return; // removed meanwhile
    }
    if (stat.isSymbolicLink()) return;
    const want = stat.isDirectory() ? 0o700 : 0o600;
    if ((stat.mode & 0o777) !== want) {
      fs.chmodSync(p, want);
      changed++;
    }
    if (stat.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return changed;
}
