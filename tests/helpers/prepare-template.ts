/**
 * `scripts/test.sh` runs this once after the build: the template data dir the
 * test servers start from (see ensureTemplate) and the seeded PostgreSQL
 * cluster the test processes copy (see ensurePostgresTemplate), made before
 * the suites start in parallel. Not a test file. `postgres` or `embedded`
 * makes only that one (the PostgreSQL cluster needs no build).
 */
import { ensurePostgresTemplate, ensureTemplate } from "./server";

const which = process.argv[2] ?? "all";
Promise.all([which === "postgres" ? undefined : ensureTemplate(), which === "embedded" ? undefined : ensurePostgresTemplate()]).then(
  (made) => console.log(`==> test templates: ${made.filter(Boolean).join(", ")}`),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
