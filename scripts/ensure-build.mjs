// `npm start`: build first when there is no production build, or when the
// sources changed since it was made (see build-state.mjs), so a fresh clone
// starts with one command and a stale build is never served.
import { execSync } from "node:child_process";
import { buildIsCurrent } from "./build-state.mjs";

if (!buildIsCurrent()) {
  console.log("[tandem] the production build is missing or older than the sources: running `npm run build`");
  execSync("npm run build", { stdio: "inherit" });
}
