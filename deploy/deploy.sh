#!/usr/bin/env bash
# Build Tandem and start or reload it under PM2, one process at a time.
#
#   deploy/deploy.sh                                  # reads /etc/tandem/tandem.env if present
#   TANDEM_ENV_FILE=/srv/tandem/tandem.env deploy/deploy.sh
#
# Run it as the user that owns the PM2 daemon (not root), after updating the code
# (git pull or similar). See deploy/README.md.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_dir"

# Everything this script and the PM2 daemon it starts write is the owner's
# alone: PM2 copies the environment (NEXTAUTH_SECRET, DATABASE_URL's password,
# SMTP_URL) into its saved process list, and the first start's log holds the
# admin's one-time password. With the usual umask those were world-readable.
umask 077

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'deploy: %s\n' "$*" >&2; exit 1; }

# KEY=value lines, taken literally: no shell expansion, so secrets and URLs with
# `$`, `&` or quotes need no escaping. One pair of surrounding quotes is removed.
# Variables already set in the environment win, so `INSTANCES=3 deploy/deploy.sh` works.
load_env_file() {
  local file=$1 line key value n=0
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] ||
      die "$file:$n: expected KEY=value"
    key=${BASH_REMATCH[2]}
    value=${BASH_REMATCH[3]}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    [[ -n ${!key+set} ]] || export "$key=$value"
  done <"$file"
}

# Polls /api/health on one app port for up to 60 s.
wait_healthy() {
  local host=${HOST:-127.0.0.1}
  [[ $host == 0.0.0.0 || $host == :: ]] && host=127.0.0.1
  [[ $host == *:* ]] && host="[$host]"
  # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
  node -e '
    const url = process.argv[1];
    const deadline = Date.now() + 60_000;
    (async () => {
      for (;;) {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
          if (res.ok) return console.log(`${url}: ok`);
        } catch {}
        if (Date.now() > deadline) {
          console.error(`${url}: not healthy after 60 s (see logs/ and pm2 logs)`);
          process.exit(1);
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();' "http://$host:$1/api/health"
}

env_file=${TANDEM_ENV_FILE:-/etc/tandem/tandem.env}
if [[ -e $env_file ]]; then
  log "Loading $env_file"
  load_env_file "$env_file"
elif [[ -n ${TANDEM_ENV_FILE:-} ]]; then
  die "TANDEM_ENV_FILE=$env_file does not exist"
else
  log "No $env_file: using the current environment only"
fi

command -v node >/dev/null || die "node not found on PATH (Node.js >= 20.9 is required)"
command -v npm >/dev/null || die "npm not found on PATH"
command -v pm2 >/dev/null || die "pm2 not found on PATH (npm install -g pm2)"

# PM2 reports its version to pm2.io once a day, and installs ping it on the first run
# unless PM2_HOME/touch exists; a self-hosted helpdesk has no reason to phone home. (This
# reaches a PM2 daemon only when this script starts it.)
export PM2_DISABLE_VERSION_CHECK=1
pm2_home=${PM2_HOME:-$HOME/.pm2}
mkdir -p "$pm2_home"
# A daemon started before this umask (or by hand) left them readable: close them now.
chmod 700 "$pm2_home"
[[ -e $pm2_home/touch ]] || date +%s000 >"$pm2_home/touch"

# One deploy at a time: two overlapping builds would write the same .next directory.
mkdir -p logs
chmod 700 logs
if command -v flock >/dev/null; then
  exec 9>logs/.deploy.lock
  flock -n 9 || die "another deploy is running (logs/.deploy.lock)"
fi

# Also validates INSTANCES and BASE_PORT before anything is touched.
port_list=$(node -e '
  try {
    process.stdout.write(require("./ecosystem.config.js").ports.join(" "));
  } catch (error) {
    console.error("deploy: ecosystem.config.js: " + error.message);
    process.exit(1);
  }')
read -r -a ports <<<"$port_list"
instances=${#ports[@]}

# Refuse set-ups that start but misbehave: several processes on the embedded database
# corrupt it or fail to open it, and without Redis each process only reaches its own sockets.
if ((instances > 1)); then
  [[ -n ${DATABASE_URL:-} ]] ||
    die "INSTANCES=$instances needs DATABASE_URL: the embedded database serves one process only (or set INSTANCES=1)"
  [[ -n ${REDIS_URL:-} ]] ||
    die "INSTANCES=$instances needs REDIS_URL so the processes share Socket.IO rooms (or set INSTANCES=1)"
fi
if [[ -n ${DATABASE_URL:-} && -z ${NEXTAUTH_SECRET:-} ]]; then
  die "NEXTAUTH_SECRET is required with DATABASE_URL (generate one: openssl rand -base64 32)"
fi
[[ -n ${APP_URL:-} ]] ||
  printf 'deploy: warning: APP_URL is not set; sign-in and the Socket.IO origin check assume http://localhost\n' >&2

log "Installing dependencies"
# --include=dev: the build needs the dev tools even when NODE_ENV=production is exported.
# `npm install`, not `npm ci`: npm 11 lockfiles omit other platforms' optional binaries
# and `npm ci` refuses them as out of sync; the locked versions are installed either way.
npm install --include=dev --no-audit --no-fund

log "Building"
npm run build

if [[ -n ${DATABASE_URL:-} ]]; then
  log "Applying database migrations"
  # Runs while the old processes still serve: migrations must keep the previous release working.
  npm run db:migrate
else
  # The embedded database is open in the running process and must not be opened by a
  # second one; the new process applies pending migrations itself as it starts.
  log "Embedded database: migrations run when the new process starts"
fi

log "Starting or reloading tandem-1..$instances (ports ${ports[*]})"
# PM2 acts on two apps at once by default; one at a time means it stops tandem-1, starts
# it again, waits for its "ready" (wait_ready), and only then moves on, so the proxy
# always has a process to send clients to.
# `9>&-`: the first pm2 command starts the PM2 daemon, which must not inherit the lock.
PM2_CONCURRENT_ACTIONS=1 pm2 startOrReload ecosystem.config.js --update-env 9>&-
# The process list `pm2 resurrect` (and the `pm2 startup` boot service) restores.
pm2 save 9>&-
# Saved with the daemon's umask, which may predate this script's.
chmod 600 "$pm2_home/dump.pm2" 2>/dev/null || true

log "Checking health"
for port in "${ports[@]}"; do
  wait_healthy "$port"
done

log "Deployed. pm2 status / pm2 logs to watch it."
