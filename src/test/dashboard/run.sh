#!/usr/bin/env bash
# Tally's dashboard in a real browser (Debian's Chromium, driven by playwright-core from the committed lock file)
# against the packaged jar. Run by .ci/run after the SDK suite; builds nothing.
#   1. npm ci installs playwright-core (the driver only: it downloads no browser) into src/test/dashboard/node_modules;
#   2. a database of its own (tally_dashboard, dropped afterwards) and target/quarkus-app/quarkus-run.jar on free
#      ports, with a random bootstrap admin key;
#   3. dashboard.mjs ingests through the API and uses the page: read key, series, rejection reason, 304s, replay, keys.
# Screenshots: target/dashboard-screenshots/. Settings: CHROMIUM (default /usr/bin/chromium); DASHBOARD_DB,
# DASHBOARD_PORT and DASHBOARD_MANAGEMENT_PORT to run beside other work.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

DB=${DASHBOARD_DB:-tally_dashboard}
JAR=target/quarkus-app/quarkus-run.jar
DIR=src/test/dashboard
OUT=target/dashboard-e2e
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
ADMIN_KEY="tally_dash_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"

fail() { echo "FAIL: $*" >&2; exit 1; }

[ -f "$JAR" ] || fail "$JAR is missing: run ./mvnw -B verify (or ./mvnw -B package -DskipTests) first"
command -v node >/dev/null || fail "node is not installed (Node 20 or newer is needed)"
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing: apt-get install -y chromium (or set CHROMIUM)"
rm -rf "$OUT" target/dashboard-screenshots && mkdir -p "$OUT"

echo "== npm ci (playwright-core from $DIR/package-lock.json)"
(cd "$DIR" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >"$OUT/npm-ci.log" 2>&1 \
  || { cat "$OUT/npm-ci.log" >&2; fail "npm ci failed"; }
echo "  ok: playwright-core $(cd "$DIR" && node -p 'require("./node_modules/playwright-core/package.json").version'), $("$CHROMIUM" --version 2>/dev/null | head -1)"

tally_pid=
cleanup() {
  status=$?
  [ -z "$tally_pid" ] || stop_pids 30 "$tally_pid"
  [ "$status" = 0 ] || tail_logs 30 "$OUT/tally.log"
  drop_database "$DB"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${DASHBOARD_PORT:-}" ]; then
  port=$DASHBOARD_PORT management_port=${DASHBOARD_MANAGEMENT_PORT:?set with DASHBOARD_PORT}
else
  read -r port management_port <<<"$(free_ports 2)"
fi
fresh_database "$DB"

echo "== Tally: $JAR on port $port (management $management_port), database $DB"
# Refreshes every second, so the page's polls see new figures soon after a change.
TALLY_AGGREGATES_REFRESH_INTERVAL=1s start_tally "$DB" "$port" "$management_port" "$ADMIN_KEY" "$OUT/tally.log" -Xmx256m
await_ready "$tally_pid" "$management_port" 120 Tally || exit 1

echo "== The dashboard in Chromium ($DIR/dashboard.mjs)"
TALLY_URL="http://127.0.0.1:$port" TALLY_ADMIN_KEY="$ADMIN_KEY" CHROMIUM="$CHROMIUM" SCREENSHOTS=target/dashboard-screenshots \
  timeout 240 node "$DIR/dashboard.mjs"
echo "== Dashboard suite passed"
