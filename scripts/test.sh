#!/usr/bin/env bash
# Runs the test suites with Node's built-in runner:
#   unit         src/**/*.test.ts (beside the code)
#   integration  tests/integration: the real server on port 0 (PGlite), then
#                the same suites again on PostgreSQL
#   deploy       tests/deploy: shipped nginx/HAProxy/PM2 configs with the real programs
#   scale        tests/scale: several processes + PostgreSQL + Redis behind the proxies
#   security     tests/security: attacks on the real server (the database-bound
#                ones again on PostgreSQL)
#   e2e          tests/e2e: Debian Chromium driven by Playwright
# With no argument: build (unless the build is current), then all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

# A test that hangs fails after 10 minutes instead of eating CI's whole budget.
# Several test files at a time (TEST_CONCURRENCY): every file starts its own
# servers on free ports and its own temp dirs and databases, so files never
# share state. On two cores the files spend much of their time waiting on
# servers, databases and browsers: 3 at a time took the first phase from about
# 8.5 minutes (one at a time) to 4.5.
# tsx's CommonJS hook only (`--require tsx/cjs`, not `--import tsx`): the test
# files compile to CommonJS either way (package.json has no "type"), and
# without tsx's ESM loader thread each test process starts with about 0.13
# CPU-seconds less (over a hundred of them per run). A dynamic import() of a
# .ts file needs the ESM hook: import statically.
# scripts/run-tests.mjs runs the files in the order given (`node --test` sorts
# them by name, which undid the slowest-first order below).
# The unit files (src/) share UNIT_PROCESSES processes (default 3) instead of
# one each: 123 -> 52 to 65 CPU-seconds for the 61 of them, run alone (scripts/run-tests.mjs
# says how and what a file must do for it). 0 runs each in its own process.
NODE_TEST=(node --require ./src/server/server-only-shim.cjs --require tsx/cjs --require ./scripts/test-cpu.cjs scripts/run-tests.mjs --concurrency "${TEST_CONCURRENCY:-3}" --timeout 600000 --unit-processes "${UNIT_PROCESSES:-3}")

files_in() {
  find "$@" -name '*.test.ts' -not -path '*/node_modules/*' | sort
}

# The slowest files first (longest-processing-time-first): started last, one
# of them would run alone at the end while the other slots sit idle. Ordered
# by each file's time in a clean-clone CI run (scripts/run-tests.mjs prints
# them at the end of each phase), the larger of its two phases' where it runs
# in both; the rest keep their order.
SLOW_FIRST=(
  tests/security/fuzz.test.ts
  tests/e2e/collaboration.test.ts
  tests/integration/mail.test.ts
  tests/integration/users.test.ts
  tests/scale/bench-quick.test.ts
  tests/security/integrity.test.ts
  tests/integration/realtime.test.ts
  tests/integration/dev-server.test.ts
  tests/integration/lifecycle.test.ts
  tests/integration/notifications.test.ts
  tests/integration/http-api.test.ts
  tests/security/sessions.test.ts
  tests/security/limits.test.ts
  tests/integration/invite-mail.test.ts
  tests/integration/search.test.ts
  tests/scale/concurrent-start.test.ts
  tests/e2e/canned-replies.test.ts
  tests/e2e/live-ticket.test.ts
  tests/security/internal-notes.test.ts
  tests/e2e/tags.test.ts
  tests/security/failures.test.ts
  tests/e2e/mail.test.ts
  tests/e2e/keyboard-and-phone.test.ts
  tests/scale/delivery-faults.test.ts
  tests/integration/stream-reads.test.ts
  tests/e2e/admin-users.test.ts
  tests/security/web.test.ts
  tests/scale/pm2-reload.test.ts
)

# Then the unit files (src/), which run UNIT_PROCESSES processes at a time
# (scripts/run-tests.mjs --unit-processes): a process's share takes about as
# long as one of the slower real-process files. Then the other real-process
# files: short files at the end fill the slots the long ones leave.
slow_first() {
  local f s
  for s in "${SLOW_FIRST[@]}"; do
    for f in "$@"; do [ "$f" = "$s" ] && echo "$f"; done
  done
  for f in "$@"; do
    case " ${SLOW_FIRST[*]} " in *" $f "*) ;; *) case "$f" in src/*) echo "$f" ;; esac ;; esac
  done
  for f in "$@"; do
    case " ${SLOW_FIRST[*]} " in *" $f "*) ;; *) case "$f" in src/*) ;; *) echo "$f" ;; esac ;; esac
  done
}

run() {
  mapfile -t files < <(slow_first $(files_in "$@"))
  if [ ${#files[@]} -eq 0 ]; then
    echo "no tests found under $*" >&2
    exit 1
  fi
  "${NODE_TEST[@]}" "${files[@]}"
}

# The integration suites again on PostgreSQL (session-end always runs there:
# it changes users behind the server's back, which PGlite's single process
# rules out). Not again: dev-server proves `npm run dev`'s upgrade routing,
# where the database plays no part; presence (and presence-crowd, which
# counts the coalesced presence messages 150 joins cause) is in memory and
# never touches the database beyond the join's ticket lookup every suite
# makes; canned replies and
# views are plain Prisma reads and writes (no raw SQL, no transactions), the
# same generated queries the other suites already run on PostgreSQL. engine
# and search-index-concurrency start a PostgreSQL of their own in either phase:
# a second run would repeat the first.
NOT_AGAIN_ON_POSTGRES='/(session-end|dev-server|presence|presence-crowd|canned-replies|views|engine|search-index-concurrency)\.test\.ts$'
on_postgres() {
  mapfile -t files < <(slow_first $(files_in tests/integration | grep -vE "$NOT_AGAIN_ON_POSTGRES"))
  TANDEM_TEST_DB=postgres "${NODE_TEST[@]}" "${files[@]}" "${POSTGRES_SECURITY[@]}"
}

# Security suites whose defences live in the database (session rows, the
# requester numbering and its migration, the statement timeout PGlite cannot
# enforce) also run on PostgreSQL.
POSTGRES_SECURITY=(tests/security/sessions.test.ts tests/security/internal-notes.test.ts tests/security/limits.test.ts src/server/db/with-statement-timeout.test.ts)

# The test servers' templates (tests/helpers/prepare-template.ts): `prepare`
# makes both, `prepare postgres` only the seeded PostgreSQL cluster,
# `prepare embedded` only the embedded data dir.
prepare() {
  node --require ./src/server/server-only-shim.cjs --require tsx/cjs tests/helpers/prepare-template.ts "$@"
}

# How fast one core is right now: the CPU time a fixed loop of 10^8 steps
# takes, best of three (the loop of bench/lib/measure.ts's speedMarkerMs;
# lower is faster). CPU time, not wall time: the type check and lint run
# beside it, and a core shared with them would read as a slower one. This
# virtual machine's speed moves by up to 2x from hour to hour, and the
# suites' CPU and time move with it: printed at the start and the end of a
# full run so that two runs' times can be compared (tests/README.md).
speed_marker() {
  node -e 'let best = Infinity; for (let r = 0; r < 3; r++) { const t0 = process.cpuUsage(); let x = 0; for (let i = 0; i < 1e8; i++) x = (x + (i % 7)) | 0; const d = process.cpuUsage(t0); best = Math.min(best, (d.user + d.system) / 1000 + (x === -1 ? 1 : 0)); } console.log(`==> speed marker ('"$1"'): ${Math.round(best)} CPU-ms for a fixed loop (lower is faster)`)'
}

case "${1:-all}" in
  unit) run src ;;
  integration) prepare && run tests/integration && on_postgres ;;
  postgres) prepare postgres && on_postgres ;;
  deploy) run tests/deploy ;;
  security) prepare && run tests/security && TANDEM_TEST_DB=postgres "${NODE_TEST[@]}" "${POSTGRES_SECURITY[@]}" ;;
  scale) prepare && run tests/scale ;;
  e2e) prepare && run tests/e2e ;;
  all)
    # Build only when the sources changed since the last build (scripts/build-state.mjs).
    if node scripts/build-state.mjs; then echo "==> build is current"; else npm run build; fi
    # Once, before the files start in parallel (each would otherwise make its
    # own): the embedded data dir and the seeded PostgreSQL cluster, side by
    # side; each phase starts as soon as its own template is there.
    speed_marker "before the suites"
    prepare embedded & embedded_pid=$!
    # The PostgreSQL phase runs beside the first one (the test files wait on
    # servers, databases and browsers as much as on the CPU); its report is
    # printed after the first phase's, and either failing fails the run. It
    # makes its template itself (initdb, migrate, seed: about 15 s, mostly
    # waiting) while the first phase starts on the embedded one (about 8 s);
    # a first-phase file that needs PostgreSQL before it is there makes the
    # same, and the second to finish uses the first's (ensurePostgresTemplate).
    pg_log=$(mktemp)
    { prepare postgres && on_postgres; } >"$pg_log" 2>&1 &
    pg_pid=$!
    wait "$embedded_pid"
    first=0
    run src tests || first=$?
    second=0
    wait "$pg_pid" || second=$?
    echo "==> the same suites on PostgreSQL"
    cat "$pg_log"
    rm -f "$pg_log"
    speed_marker "after the suites"
    if [ "$first" -ne 0 ] || [ "$second" -ne 0 ]; then exit 1; fi
    ;;
  *) echo "usage: $0 [unit|integration|postgres|deploy|scale|security|e2e|all]" >&2; exit 2 ;;
esac
