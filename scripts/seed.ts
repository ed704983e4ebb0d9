/**
 * `npm run db:seed`: seed the demo accounts and tickets on demand, e.g. into a
 * PostgreSQL database (never done automatically there). Uses DEMO_PASSWORD or
 * prints a generated one.
 */
import "../src/server/server-only-shim.cjs";
import { lockDataDir } from "../src/server/db/open";
import { env as readEnv } from "../src/server/env";
import { openMigratedDatabase } from "../src/server/setup/open-migrated-database";
import { PRIVATE_UMASK } from "../src/server/setup/private-data-dir";
import { generatePassword } from "../src/server/setup/secrets";
import { DEMO_USERS, seedDemo } from "../src/server/setup/seed-demo";

async function main() {
  // Files this creates in DATA_DIR are private to the service user (see server.ts).
  process.umask(PRIVATE_UMASK);
  const env = readEnv();
  const release = env.embedded ? await lockDataDir(env.dataDir) : () => undefined;
  try {
    const database = await openMigratedDatabase(env);
    try {
      const password = env.DEMO_PASSWORD ?? generatePassword();
      await seedDemo(database.prisma, password);
      console.log(`Seeded ${DEMO_USERS.map((u) => u.email).join(", ")}` + (env.DEMO_PASSWORD ? " (DEMO_PASSWORD)" : ` with password: ${password}`));
      console.log("Existing accounts keep their passwords.");
    } finally {
      await database.close();
    }
  } finally {
    release();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
