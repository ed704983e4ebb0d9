// Whether the production build (.next/ and dist/server.js) matches the sources,
// so `npm start` and `npm test` build only when something the build reads has
// changed. Content hashes, not mtimes: a fresh clone or checkout touches every
// file without changing one. Test files are not build input.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
export const STAMP = path.join(ROOT, "dist", "build-stamp.txt");
/** Prisma's query compiler, base64, which dist/server.js reads at its first query (see build-server.mjs). */
export const QUERY_COMPILER_FILE = "query-compiler.wasm.base64";

const INPUT_FILES = ["server.ts", "scripts/build-server.mjs", "package.json", "package-lock.json", "next.config.mjs", "tsconfig.json", "tsconfig.next.json", "prisma/schema.prisma"];
const INPUT_DIRS = ["src", "public", "prisma/migrations"];

function* walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated" && entry.name !== "node_modules") yield* walk(full);
    } else if (!/\.test\.tsx?$/.test(entry.name)) yield full;
  }
}

/** A hash of every file the build reads. */
export function sourceHash() {
  const hash = createHash("sha256");
  const files = [...INPUT_FILES.map((f) => path.join(ROOT, f)), ...INPUT_DIRS.flatMap((d) => [...walk(path.join(ROOT, d))])];
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    hash.update(path.relative(ROOT, file)).update("\0").update(fs.readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

/** True when both halves of the build exist and were made from the current sources. */
export function buildIsCurrent() {
  if (!["server.js", QUERY_COMPILER_FILE].every((f) => fs.existsSync(path.join(ROOT, "dist", f)))) return false;
  if (!fs.existsSync(path.join(ROOT, ".next", "BUILD_ID"))) return false;
  try {
    return fs.readFileSync(STAMP, "utf8").trim() === sourceHash();
  } catch {
    return false;
  }
}

/** Record that the build now matches the sources (the last step of `npm run build`). */
export function stampBuild() {
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  fs.writeFileSync(STAMP, `${sourceHash()}\n`);
}

// `node scripts/build-state.mjs` exits 0 when the build is current, 1 otherwise.
if (process.argv[1] && path.resolve(process.argv[1]) === path.join(ROOT, "scripts", "build-state.mjs")) {
  process.exit(buildIsCurrent() ? 0 : 1);
}
