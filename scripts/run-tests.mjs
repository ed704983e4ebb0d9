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
  const cwd = `${process.cwd()}/`;
  const times = [...spent].map(([file, ms]) => [file.replace(cwd, ""), ms / 1000]).sort((a, b) => b[1] - a[1]);
  console.error(`# time per file, slowest first (${concurrency} at a time):\n${times.map(([f, s]) => `#   ${s.toFixed(1).padStart(6)} s  ${f}`).join("\n")}`);
});
