/**
 * `npm run bench:restart`: restart to ready on the production build (issue 8
 * §3). Starts the compiled server once on a fresh DATA_DIR (migrations, demo
 * seed), then BENCH_RESTARTS times more on the same directory (nothing
 * pending), timing spawn → "ready on" printed (the port is open), each after
 * the previous one stopped. Prints each time and the median; asserts nothing.
 * BENCH_ENTRY=tsx times `node --import tsx server.ts` instead, for comparison.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 5);
const entry = process.env.BENCH_ENTRY === "tsx" ? ["--import", "tsx", "server.ts"] : ["dist/server.js"];

function startOnce(dataDir: string): Promise<number> {
  const started = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, DEMO_PASSWORD: "bench-password" };
  for (const k of ["DATABASE_URL", "REDIS_URL", "APP_URL", "NEXTAUTH_SECRET"]) delete env[k];
  const child = spawn(process.execPath, entry, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      if (/ready on http/.test(out)) {
        const ms = performance.now() - started;
        child.once("exit", () => resolve(ms));
        child.kill("SIGTERM");
      }
    });
    child.stderr.on("data", (d: Buffer) => (out += d));
    child.once("exit", (code) => {
      if (!/ready on http/.test(out)) reject(new Error(`server exited with ${code} before ready:\n${out}`));
    });
  });
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-bench-restart-"));
  try {
    const first = await startOnce(dataDir);
    console.log(`first start (migrate + seed): ${(first / 1000).toFixed(2)} s`);
    const times: number[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      times.push(await startOnce(dataDir));
      console.log(`restart ${i + 1}: ${(times[i]! / 1000).toFixed(2)} s`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`median restart to ready (${entry.join(" ")}): ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(2)} s on ${os.cpus().length} cores`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
