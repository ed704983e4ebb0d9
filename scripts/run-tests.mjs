/**
 * Runs test files in the order given, `concurrency` at a time, with Node's
 * own test runner (one process per file, TAP on stdout, exit code 1 when a
 * test fails or is cancelled): `node [hooks] scripts/run-tests.mjs
 * --concurrency N --timeout MS file...`.
 *
 * Why not `node --test file...`: Node 20's command line sorts the files it is
 * given by name before it runs them, so scripts/test.sh's slowest-first order
 * was thrown away and the security suites (the fuzz suite, the slowest file,
 * among them) started last and ran on while the other slots emptied. The
 * runner's `run({ files })` keeps the order. The test processes get this
 * process's Node options (the tsx and server-only hooks), as under `--test`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run } from "node:test";
import { tap } from "node:test/reporters";

const args = process.argv.slice(2);
/** The value after `--name`, removed from args. */
function take(name, fallback) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [, value] = args.splice(i, 2);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} wants a positive integer, got ${value}`);
  return n;
}
const concurrency = take("--concurrency", 3);
const timeout = take("--timeout", Infinity);
const files = args;
if (files.length === 0) {
  console.error("run-tests: no test files given");
  process.exit(2);
}

// Where the test processes report their CPU (scripts/test-cpu.cjs, when it is
// among this process's --require hooks, which the test processes inherit).
const cpuLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tandem-run-tests-")), "cpu.jsonl");
process.env.TANDEM_TEST_CPU_LOG = cpuLog;

let failed = false;
const stream = run({ files, concurrency, timeout });
// A failing or cancelled test at any depth (a file that crashes is a failing
// test too); as under `--test`, a failing test marked todo does not fail the run.
stream.on("test:fail", (data) => {
  if (data.todo === undefined || data.todo === false) failed = true;
});

// Each file's time: the sum of its top-level tests' durations (they run one
// after another; what the process spends loading is left out), so that
// scripts/test.sh's SLOW_FIRST list can follow what CI measures. (Not the time
// between its reports: a file's reports wait for the files before it.)
const spent = new Map();
for (const type of ["test:pass", "test:fail"]) {
  stream.on(type, (data) => {
    if (!data?.file || data.nesting !== 0) return;
    spent.set(data.file, (spent.get(data.file) ?? 0) + (data.details?.duration_ms ?? 0));
  });
}

stream.compose(tap).pipe(process.stdout);
stream.on("end", () => {
  process.exitCode = failed ? 1 : 0;
  const cpu = new Map();
  try {
    for (const line of fs.readFileSync(cpuLog, "utf8").split("\n").filter(Boolean)) {
      const { file, seconds, own } = JSON.parse(line);
      cpu.set(file, { seconds, own });
    }
  } catch {
    /* no CPU figures: scripts/test-cpu.cjs not loaded, or not Linux */
  }
  fs.rmSync(path.dirname(cpuLog), { recursive: true, force: true });
  const cwd = `${process.cwd()}/`;
  const rows = [...spent].map(([file, ms]) => ({ file: file.replace(cwd, ""), seconds: ms / 1000, cpu: cpu.get(file)?.seconds, own: cpu.get(file)?.own }));
  rows.sort((a, b) => (b.cpu ?? b.seconds) - (a.cpu ?? a.seconds));
  const total = rows.reduce((sum, r) => sum + (r.cpu ?? 0), 0);
  const ownTotal = rows.reduce((sum, r) => sum + (r.own ?? 0), 0);
  console.error(
    `# per file, by CPU (${concurrency} at a time; CPU: the file's process and the servers, databases and browsers it started and stopped, then the file's own process alone; ${total.toFixed(0)} CPU-s in all, ${ownTotal.toFixed(0)} of them in the files' own processes):\n` +
      rows.map((r) => `#   ${(r.cpu === undefined ? "?" : r.cpu.toFixed(1)).padStart(6)} CPU-s (own ${(r.own === undefined ? "?" : r.own.toFixed(1)).padStart(5)}) ${r.seconds.toFixed(1).padStart(6)} s  ${r.file}`).join("\n"),
  );
});
