#!/usr/bin/env bash
# Runs the test suites with Node's built-in runner: unit (src/**/*.test.ts),
# integration (tests/integration, real server on port 0) and e2e (tests/e2e,
# Debian Chromium). With no argument: build first, then all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

run() {
  local dir=$1
  mapfile -t files < <(find "$dir" -name '*.test.ts' -not -path '*/node_modules/*' | sort)
  if [ ${#files[@]} -eq 0 ]; then
    echo "no tests found under $dir" >&2
    exit 1
  fi
  node --require ./src/server/server-only-shim.cjs --import tsx --test --test-concurrency=1 "${files[@]}"
}

case "${1:-all}" in
  unit) run src ;;
  integration) run tests/integration ;;
  deploy) run tests/deploy ;;
  e2e) run tests/e2e ;;
  all)
    npm run build
    mapfile -t files < <(find src tests -name '*.test.ts' -not -path '*/node_modules/*' | sort)
    node --require ./src/server/server-only-shim.cjs --import tsx --test --test-concurrency=1 "${files[@]}"
    ;;
  *) echo "usage: $0 [unit|integration|deploy|e2e|all]" >&2; exit 2 ;;
esac
