/**
 * Prisma CLI configuration. Migrations run through the JS schema engine and a
 * driver adapter, so no engine binary is downloaded (the project works offline):
 * PGlite in DATA_DIR by default, PostgreSQL when DATABASE_URL names a server.
 */
import path from "node:path";
import { defineConfig } from "prisma/config";
import { createPostgresMigrationAdapter, openPglite } from "./src/server/db/adapters";
import { lockDataDir } from "./src/server/db/data-dir-lock";
import { makeDataDirPrivate } from "./src/server/setup/private-data-dir";

// `npm run db:migrate` creates the embedded database files: private to the
// service user, as server.ts makes everything in DATA_DIR.
process.umask(0o077);

const url = process.env.DATABASE_URL;
// Without a postgres-style DATABASE_URL the CLI falls back to downloading query
// engines, even though the adapter below does all the work. The placeholder is
// never connected to.
if (!url) process.env.DATABASE_URL = "postgresql://embedded.invalid/tandem";
const dataDir = process.env.DATA_DIR || "./data";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    if (url) return createPostgresMigrationAdapter(url);
    // The embedded database allows one process: `npm run db:migrate` beside a
    // running server opened it a second time. The lock is held until this
    // process exits. Only the migration child of a process that holds the
    // lock itself (server.ts, `npm run user`, the seed: src/server/setup/
    // migrate.ts names its parent here) goes without.
    if (process.env.TANDEM_DATA_DIR_LOCK_HOLDER !== String(process.ppid)) await lockDataDir(dataDir);
    const { adapter } = await openPglite(dataDir);
    // PGlite's initdb writes its config files with explicit modes (0640, 0750).
    makeDataDirPrivate(dataDir);
    return adapter;
  },
});
