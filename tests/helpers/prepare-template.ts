/**
 * `scripts/test.sh` runs this once after the build: the template data dir the
 * test servers start from (see ensureTemplate), made before the suites start
 * in parallel. Not a test file.
 */
import { ensureTemplate } from "./server";

ensureTemplate().then(
  (dir) => console.log(`==> test data dir template: ${dir}`),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
