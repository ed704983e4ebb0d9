/**
 * Start-up failures in words an operator can act on: the cause and the path
 * first, without the Prisma CLI's banner lines in front of them.
 */
import type { Env } from "../env";
import { openPglite, pgliteDir } from "../db/adapters";

// Lines the Prisma CLI prints on every run; they bury the actual error.
const PRISMA_NOISE = /^(Loaded Prisma config from .*|Prisma config detected, skipping environment variable loading\.|Prisma schema loaded from .*|Datasource ".*|\d+ migrations? found in prisma\/migrations|)$/;

/** Prisma CLI output without its banner lines. */
export function withoutPrismaNoise(output: string): string {
  return output
    .split("\n")
    .filter((line) => !PRISMA_NOISE.test(line.trim()))
    .join("\n")
    .trim();
}

/**
 * The error to report when migrating at start-up failed. On the embedded
 * database, first find out whether PGlite can open the directory at all: a
 * corrupt data directory makes the migration die with a bare WebAssembly
 * "unreachable", which says nothing about the cause.
 */
export async function explainMigrationFailure(env: Env, e: unknown): Promise<Error> {
  if (env.embedded) {
    const dir = pgliteDir(env.dataDir);
    try {
      const { client } = await openPglite(env.dataDir);
      await client.close();
    } catch (openError) {
      const why = openError instanceof Error ? openError.message : String(openError);
      return new Error(
        `The embedded database in ${dir} cannot be opened; it is probably corrupt (PGlite: ${why}). ` +
          `Restore DATA_DIR from a backup, or move ${dir} aside to start with an empty database.`,
      );
    }
  }
  return e instanceof Error ? e : new Error(String(e));
}
