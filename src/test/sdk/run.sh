#!/usr/bin/env bash
# The three npm analytics SDKs (Segment, RudderStack, PostHog; versions pinned in package-lock.json) against a
# running Tally, asserted in PostgreSQL. Run by .ci/run after ./mvnw -B verify; builds nothing.
#   1. npm ci installs the SDKs from the lock file into src/test/sdk/node_modules;
#   2. a database of its own (tally_sdk, dropped afterwards) and target/quarkus-app/quarkus-run.jar on free ports,
#      with a random bootstrap admin key;
#   3. e2e.mjs: per SDK, tracked events plus non-track calls sent and flushed, then every raw row, event and
#      aggregate checked; then the same through a proxy that has Tally killed (SIGKILL) right after it forwarded
#      a flush's body, so the SDK's retry must deliver the batch to a restarted Tally and each event counts once.
# Tally's lifetime belongs to this script: e2e.mjs kills the java process (pid in $OUT/tally.pid) and asks for
# a new one with SIGUSR1 once the old one is dead; this script starts the next on the same ports and database.
# Bounded: every wait has a deadline; processes and the database are cleaned up on any exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

DB=tally_sdk
JAR=target/quarkus-app/quarkus-run.jar  # what start_tally runs
SDK_DIR=src/test/sdk
OUT=target/sdk-e2e
ADMIN_KEY="tally_sdk_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"

fail() { echo "FAIL: $*" >&2; exit 1; }

[ -f "$JAR" ] || fail "$JAR is missing: run ./mvnw -B verify (or ./mvnw -B package -DskipTests) first"
command -v node >/dev/null || fail "node is not installed (Node 20 or newer is needed)"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || fail "node $(node --version) is too old: Node 20 or newer is needed"
rm -rf "$OUT" && mkdir -p "$OUT"
started=$SECONDS

echo "== npm ci (SDKs from $SDK_DIR/package-lock.json)"
(cd "$SDK_DIR" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >"$OUT/npm-ci.log" 2>&1 \
  || { cat "$OUT/npm-ci.log" >&2; fail "npm ci failed"; }
echo "  ok: $(cd "$SDK_DIR" && node -e '
  const { readFileSync } = require("node:fs");
  const version = (name) => JSON.parse(readFileSync("node_modules/" + name + "/package.json", "utf8")).version;
  console.log(Object.keys(require("./package.json").dependencies).map((n) => n + "@" + version(n)).join(", "))')"

tally_pid=
node_pid=
cleanup() {
  status=$?
  [ -z "$node_pid" ] || kill "$node_pid" 2>/dev/null || true
  [ -z "$tally_pid" ] || stop_pids 30 "$tally_pid"
  [ "$status" = 0 ] || tail_logs 20 "$OUT"/tally-*.log
  drop_database "$DB"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r port management_port <<<"$(free_ports 2)"
fresh_database "$DB"

starts=0
# Starts Tally in the background, without waiting for it: the caller waits for readiness.
start_next_tally() {
  starts=$((starts + 1))
  # Recovery every second for rows pending longer than 2 s: a batch cut off by the kill is settled within
  # seconds of the restart, not after the default 60 s grace.
  TALLY_RECOVERY_INTERVAL=1s \
  TALLY_RECOVERY_GRACE=2s \
    start_tally "$DB" "$port" "$management_port" "$ADMIN_KEY" "$OUT/tally-$starts.log" -Xmx256m
  # Not a job of this shell: bash would announce every SIGKILL ("Killed ...") in the middle of the output. It
  # still reaps the process when it exits.
  disown "$tally_pid"
  # Renamed into place: e2e.mjs polls this file and must never read it half-written.
  echo "$tally_pid" >"$OUT/tally.pid.new" && mv "$OUT/tally.pid.new" "$OUT/tally.pid"
}

echo "== Tally: $JAR on port $port (management $management_port), database $DB"
start_next_tally
await_ready "$tally_pid" "$management_port" 120 Tally || exit 1
echo "  ok: ready after $((SECONDS - started)) s since the start of this script"

echo "== SDKs against Tally ($SDK_DIR/e2e.mjs)"
restart_requested=0
trap 'restart_requested=1' USR1
TALLY_URL="http://127.0.0.1:$port" \
TALLY_HEALTH_URL="http://127.0.0.1:$management_port/q/health/ready" \
TALLY_ADMIN_KEY="$ADMIN_KEY" \
TALLY_PID_FILE="$OUT/tally.pid" \
TALLY_RUNNER_PID=$$ \
TALLY_DB="$DB" \
SDK_E2E_OUT="$OUT" \
  timeout 300 node "$SDK_DIR/e2e.mjs" &
node_pid=$!
# wait returns early whenever SIGUSR1 (e2e.mjs asking for a new Tally) arrives; node's own exit ends the loop.
while :; do
  if [ "$restart_requested" = 1 ]; then
    restart_requested=0
    # e2e.mjs killed the previous java with SIGKILL and saw it die: start the next on the same port and database.
    start_next_tally
  fi
  rc=0
  wait "$node_pid" || rc=$?
  [ "$restart_requested" = 1 ] || break
done
node_pid=
[ "$rc" = 0 ] || fail "SDK end-to-end checks failed (e2e.mjs exit code $rc; Tally logs in $OUT)"
echo "SDK end-to-end: PASSED in $((SECONDS - started)) s (Tally started $starts times)"
