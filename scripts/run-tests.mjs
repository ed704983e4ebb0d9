/**
 * Runs test files in the order given, `concurrency` at a time, with Node's
 * own test runner (one process per file, TAP on stdout, exit code 1 when a
 * test fails or is cancelled): `node [hooks] scripts/run-tests.mjs
 * --concurrency N --timeout MS [--unit-processes K] file...`.
 *
 * `--unit-processes K` runs the unit files (under src/) K processes at a time
 * instead of one process each, at the place of the first of them in the
 * order: each process loads its share of the files one after another, each
 * file's tests inside a suite named after the file, so its top-level hooks
 * (before, after, beforeEach) apply to its own tests only and its tests run
 * after the previous file's `after` hooks. A unit process's own start (Node,
 * tsx, Prisma's client, PGlite's WebAssembly, compiled once per process) cost
 * more than most unit files' tests: the 61 unit files took 123 CPU-seconds
 * one process each and 52 in one process (tests/README.md). What the files
 * share in one process is their modules' state: a file must leave none
 * behind (close what it opened, flush what it scheduled), as it must leave
 * no files or servers behind. `node --test <file>` still runs one file alone.
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
function take(name, fallback, min = 1) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [, value] = args.splice(i, 2);
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} wants an integer of at least ${min}, got ${value}`);
  return n;
}
const concurrency = take("--concurrency", 3);
const timeout = take("--timeout", Infinity);
const unitProcesses = take("--unit-processes", 0, 0);
const given = args;
if (given.length === 0) {
  console.error("run-tests: no test files given");
  process.exit(2);
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-run-tests-"));
// Where the test processes report their CPU (scripts/test-cpu.cjs, when it is
// among this process's --require hooks, which the test processes inherit).
const cpuLog = path.join(workDir, "cpu.jsonl");
process.env.TANDEM_TEST_CPU_LOG = cpuLog;

const isUnit = (file) => path.relative(process.cwd(), path.resolve(file)).startsWith(`src${path.sep}`);
/** Each unit process's entry: its files, in the order given, dealt out in turn. */
const groups = new Map();
let files = given;
if (unitProcesses > 0 && given.filter(isUnit).length > 1) {
  const units = given.filter(isUnit);
  const count = Math.min(unitProcesses, units.length);
  const entries = [];
  for (let g = 0; g < count; g++) {
    const members = units.filter((_, i) => i % count === g).map((f) => path.resolve(f));
    const entry = path.join(workDir, `unit-files-${g + 1}-of-${count}.test.cjs`);
    fs.writeFileSync(
      entry,
      `"use strict";\n// Written by scripts/run-tests.mjs: unit files run in one process, each in a suite of its own.\n` +
        `const { describe } = require("node:test");\n` +
        members.map((f) => `describe(${JSON.stringify(path.relative(process.cwd(), f))}, () => { require(${JSON.stringify(f)}); });`).join("\n") +
        "\n",
    );
    groups.set(entry, members.length);
    entries.push(entry);
  }
  const first = given.findIndex(isUnit);
  files = [...given.slice(0, first).filter((f) => !isUnit(f)), ...entries, ...given.slice(first).filter((f) => !isUnit(f))];
}

let failed = false;
/** What tests left running failed with after they ended (below). */
const lateErrors = [];
const stream = run({ files, concurrency, timeout });
// A failing or cancelled test at any depth (a file that crashes is a failing
// test too); as under `--test`, a failing test marked todo does not fail the run.
stream.on("test:fail", (data) => {
  if (data.todo === undefined || data.todo === false) failed = true;
});
// Work a test left running that failed after it ended: Node's runner reports
// it as a diagnostic, not a failure. It fails the run here, since in a shared
// unit process it would fail in the middle of the next file's tests.
stream.on("test:diagnostic", (data) => {
  if (!/generated asynchronous activity after the test ended/.test(data?.message ?? "")) return;
  failed = true;
  lateErrors.push(data.message);
});

// Each file's time: the sum of its top-level tests' durations (they run one
// after another; what the process spends loading is left out), so that
// scripts/test.sh's SLOW_FIRST list can follow what CI measures. (Not the time
// between its reports: a file's reports wait for the files before it.)
const spent = new Map();
/** The unit files' times inside their shared processes (each file's suite), by process entry. */
const unitSpent = new Map();
for (const type of ["test:pass", "test:fail"]) {
  stream.on(type, (data) => {
    if (!data?.file || data.nesting !== 0) return;
    spent.set(data.file, (spent.get(data.file) ?? 0) + (data.details?.duration_ms ?? 0));
    if (groups.has(data.file)) {
      if (!unitSpent.has(data.file)) unitSpent.set(data.file, []);
      unitSpent.get(data.file).push({ name: data.name, seconds: (data.details?.duration_ms ?? 0) / 1000 });
    }
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
  fs.rmSync(workDir, { recursive: true, force: true });
  const cwd = `${process.cwd()}/`;
  const label = (file) => (groups.has(file) ? `${groups.get(file)} unit files in one process (${path.basename(file, ".test.cjs")})` : file.replace(cwd, ""));
  const rows = [...spent].map(([file, ms]) => ({ file: label(file), seconds: ms / 1000, cpu: cpu.get(file)?.seconds, own: cpu.get(file)?.own }));
  rows.sort((a, b) => (b.cpu ?? b.seconds) - (a.cpu ?? a.seconds));
  const total = rows.reduce((sum, r) => sum + (r.cpu ?? 0), 0);
  const ownTotal = rows.reduce((sum, r) => sum + (r.own ?? 0), 0);
  console.error(
    `# per file, by CPU (${concurrency} at a time; CPU: the file's process and the servers, databases and browsers it started and stopped, then the file's own process alone; ${total.toFixed(0)} CPU-s in all, ${ownTotal.toFixed(0)} of them in the files' own processes):\n` +
      rows.map((r) => `#   ${(r.cpu === undefined ? "?" : r.cpu.toFixed(1)).padStart(6)} CPU-s (own ${(r.own === undefined ? "?" : r.own.toFixed(1)).padStart(5)}) ${r.seconds.toFixed(1).padStart(6)} s  ${r.file}`).join("\n"),
  );
  for (const message of lateErrors) console.error(`# FAILS THE RUN (no test counts it): ${message}`);
  const unitRows = [...unitSpent.values()].flat().sort((a, b) => b.seconds - a.seconds);
  if (unitRows.length > 0) {
    console.error(`# the unit files in their shared processes, by time:\n${unitRows.map((r) => `#   ${r.seconds.toFixed(1).padStart(6)} s  ${r.name}`).join("\n")}`);
  }
});
