// `npm start` on a fresh clone: build once if there is no production build yet.
// Deployments build explicitly (deploy/deploy.sh) so a stale build is never served.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync(new URL("../.next/BUILD_ID", import.meta.url))) {
  console.log("[tandem] no production build found: running `npm run build` (first start only)");
  execSync("npm run build", { stdio: "inherit" });
}
