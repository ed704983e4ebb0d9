/**
 * The project's root directory (where package.json, .next and prisma/ are),
 * found by walking up from this file: the same answer whether this code runs
 * from its source under tsx (`npm run dev`) or from the start-up bundle that
 * `npm run build` writes to dist/ (`npm start`), where `__dirname` differs.
 */
import fs from "node:fs";
import path from "node:path";

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "prisma"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`Tandem's project root (package.json beside prisma/) was not found above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(__dirname);
