// The last step of `npm run build`: compile server.ts and everything it
// imports from src/ into one CommonJS file, dist/server.js, so `npm start` and
// PM2 run plain JavaScript instead of having tsx compile TypeScript at every
// start (about a second of each restart on a small machine). Packages stay
// external: they load from node_modules as usual, and Next's route bundles
// share them with this file. Then stamp the build as made from these sources.
import path from "node:path";
import { build } from "esbuild";
import { stampBuild } from "./build-state.mjs";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

await build({
  entryPoints: [path.join(ROOT, "server.ts")],
  outfile: path.join(ROOT, "dist", "server.js"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
stampBuild();
console.log("[tandem] compiled server.ts to dist/server.js");
