// The last step of `npm run build`: compile server.ts and everything it
// imports from src/ into one CommonJS file, dist/server.js, so `npm start` and
// PM2 run plain JavaScript instead of having tsx compile TypeScript at every
// start (about a second of each restart on a small machine). Packages stay
// external: they load from node_modules as usual, and Next's route bundles
// share them with this file. Then stamp the build as made from these sources.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build } from "esbuild";
import { QUERY_COMPILER_FILE, stampBuild } from "./build-state.mjs";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

// Prisma's query compiler (WebAssembly) reaches the generated client as a
// JavaScript module holding it as one 2.6 MB base64 string. Imported, Node
// runs that source through the ESM loader's CommonJS export scan and V8's
// parser at every start (about 0.25 CPU-seconds of a 2.3-second start here),
// and keeps both the module's source and the exported string for the life of
// the process (5 MB of heap, about 6 MB of RSS). Instead the build writes the
// string to a file beside dist/server.js, and the module the client imports
// reads it when the client asks (once, at its first query); the generated
// client is unchanged and still decodes and compiles it itself.
const QUERY_COMPILER_MODULE = "@prisma/client/runtime/query_compiler_bg.postgresql.wasm-base64.js";
const requireFromRoot = createRequire(path.join(ROOT, "package.json"));
fs.mkdirSync(path.join(ROOT, "dist"), { recursive: true });
fs.writeFileSync(path.join(ROOT, "dist", QUERY_COMPILER_FILE), requireFromRoot(QUERY_COMPILER_MODULE).wasm, "latin1");
const queryCompilerFromFile = {
  name: "query-compiler-from-file",
  setup(b) {
    b.onResolve({ filter: /query_compiler_bg\.postgresql\.wasm-base64\.js$/ }, (args) => {
      if (args.path !== QUERY_COMPILER_MODULE) throw new Error(`unexpected import of ${args.path}: review scripts/build-server.mjs`);
      return { path: args.path, namespace: "query-compiler-from-file" };
    });
    b.onLoad({ filter: /.*/, namespace: "query-compiler-from-file" }, () => ({
      loader: "js",
      contents: `
        const fs = require("node:fs");
        const path = require("node:path");
        // __dirname: dist/, where dist/server.js runs from.
        const file = path.join(__dirname, ${JSON.stringify(QUERY_COMPILER_FILE)});
        module.exports = {
          get wasm() {
            try {
              return fs.readFileSync(file, "latin1");
            } catch (e) {
              throw new Error(\`Prisma's query compiler is missing from the build (\${file}): run \\\`npm run build\\\`\`, { cause: e });
            }
          },
        };`,
    }));
  },
};

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
  plugins: [queryCompilerFromFile],
});
// The generated client must have imported the module above: if Prisma renames
// or inlines it, the bundle would not read the file and this would go unseen.
if (!fs.readFileSync(path.join(ROOT, "dist", "server.js"), "utf8").includes(QUERY_COMPILER_FILE)) {
  throw new Error(`dist/server.js does not read ${QUERY_COMPILER_FILE}: the generated Prisma client no longer imports ${QUERY_COMPILER_MODULE}; review scripts/build-server.mjs`);
}
stampBuild();
console.log("[tandem] compiled server.ts to dist/server.js");
