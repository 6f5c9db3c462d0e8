# Sourced, not run: what the scripts under src/test that start target/quarkus-app/quarkus-run.jar share.
# Callers have `set -euo pipefail` and run from the project root. PostgreSQL is the one on 127.0.0.1:5432 as the
# postgres superuser, as everywhere in these scripts.

# free_ports N: N distinct free TCP ports of 127.0.0.1 on one line (all bound at once, so never the same twice).
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
sockets = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))
PY
}

# fresh_database DB: DB dropped (connections forced off) and created empty.
fresh_database() {
  PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
}

# drop_database DB: for cleanup traps; never fails.
drop_database() {
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}

# start_tally DB PORT MANAGEMENT_PORT ADMIN_KEY LOG [java options...]: the jar in the background against DB, with
# ADMIN_KEY as the bootstrap admin key; its pid in $tally_pid. Further settings as environment assignments in
# front of the call (VAR=value start_tally ...): bash exports them to the java process. It connects as the postgres
# superuser unless TALLY_DB_USER names another role, and runs TALLY_JAR if set (another release's jar).
start_tally() {
  local db=$1 port=$2 management_port=$3 admin_key=$4 log=$5
  shift 5
  QUARKUS_HTTP_PORT="$port" \
  QUARKUS_MANAGEMENT_PORT="$management_port" \
  TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY="$admin_key" \
  QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$db" \
  QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$db" \
  QUARKUS_DATASOURCE_USERNAME="${TALLY_DB_USER:-postgres}" \
    java "$@" -jar "${TALLY_JAR:-target/quarkus-app/quarkus-run.jar}" >"$log" 2>&1 &
  tally_pid=$!
}

# await_ready PID MANAGEMENT_PORT SECONDS NAME: returns once /q/health/ready answers 200; fails (a message on stderr,
# status 1) when the process exits first or SECONDS pass.
await_ready() {
  local pid=$1 management_port=$2 seconds=$3 name=$4 deadline=$((SECONDS + $3))
  until [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$management_port/q/health/ready")" = 200 ]; do
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: $name exited during startup" >&2; return 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "FAIL: $name not ready within $seconds s" >&2; return 1; }
    sleep 0.2
  done
}

# stop_pids SECONDS PID...: SIGTERM to each, then up to SECONDS for all to exit, then SIGKILL to those left.
# Only these pids: other java processes run on the machine.
stop_pids() {
  local deadline=$((SECONDS + $1)) pid
  shift
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# tail_logs LINES FILE...: the last LINES lines of each existing FILE, for a failed run.
tail_logs() {
  local lines=$1 log
  shift
  for log in "$@"; do
    [ -f "$log" ] && { echo "---- last lines of $log"; tail -"$lines" "$log"; }
  done
  return 0
}

# The environments of the Kubernetes migration Job (docker/kubernetes/migration-job.yaml) and of the Deployment's
# await-migrations init container (DeploymentManifestsTest checks they match the manifests), for init_and_exit.
MIGRATE=(QUARKUS_FLYWAY_MIGRATE_AT_START=true)
AWAIT_MIGRATIONS=(QUARKUS_FLYWAY_MIGRATE_AT_START=false QUARKUS_FLYWAY_VALIDATE_AT_START=true
  'QUARKUS_FLYWAY_IGNORE_MIGRATION_PATTERNS=*:future,repeatable:missing,repeatable:pending')

# init_and_exit JAR DB USER LOG [VAR=value...]: JAR as a Kubernetes Job or init container runs the image
# (QUARKUS_INIT_AND_EXIT: start, run the init tasks — Flyway — and exit without serving), against DB as USER, with
# the given settings (MIGRATE or AWAIT_MIGRATIONS). Its exit status is the function's; at most 120 s.
init_and_exit() {
  local jar=$1 db=$2 user=$3 log=$4
  shift 4
  env "$@" QUARKUS_INIT_AND_EXIT=true QUARKUS_SHUTDOWN_DELAY=0s QUARKUS_HTTP_PORT=0 QUARKUS_MANAGEMENT_PORT=0 \
    QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$db" \
    QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$db" \
    QUARKUS_DATASOURCE_USERNAME="$user" \
    timeout 120 java -jar "$jar" >"$log" 2>&1
}
