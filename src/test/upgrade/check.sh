#!/usr/bin/env bash
# Expand/contract, tested: the previous release's jar keeps working against the newest schema, as during a rolling
# update (docs/deployment.md). Run by .ci/run after ./mvnw verify. The previous release is the commit named in
# src/test/upgrade/previous-release (or $TALLY_PREVIOUS_RELEASE); its sources come out of git (git archive) into
# target/upgrade/previous and its jar is built there (reused while the commit stays the same). In a database of its
# own ($DB, with the roles of docker/database/roles.sql; all dropped afterwards), in the order of a rollout:
#   1. the previous release as deployed: its migrations run by its jar as the migrator, then the jar serving as the
#      runtime role with migrate-at-start off; events ingested;
#   2. this release's migration Job runs while the previous release serves; the previous release keeps ingesting
#      and answering (single and batch ingest, aggregates refresh and read, raw events, keys);
#   3. this release starts beside it (a rolling update has both): events ingested through each are read through the
#      other, and both report the same aggregates;
#   4. a pod of the previous release restarted now (its await-migrations init container and startup) starts on the
#      newer schema and serves.
# Bounded: every wait has a deadline; processes, the database and the roles are cleaned up on any exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

DB=${TALLY_UPGRADE_DB:-tally_upgrade}
MIGRATOR=${DB}_migrator
RUNTIME=${DB}_runtime
OUT=target/upgrade
PREVIOUS_DIR=$OUT/previous
NEW_JAR=target/quarkus-app/quarkus-run.jar
OLD_JAR=$PREVIOUS_DIR/target/quarkus-app/quarkus-run.jar
ADMIN_KEY="tally_upgrade_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
CLIENT=upgrade

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "  ok: $*"; }
as_postgres() { psql -h 127.0.0.1 -U postgres -d "$DB" -v ON_ERROR_STOP=1 -qAt "$@"; }

[ -f "$NEW_JAR" ] || fail "$NEW_JAR is missing: run ./mvnw -B verify (or package) first"
previous=${TALLY_PREVIOUS_RELEASE:-$(grep -v '^#' src/test/upgrade/previous-release | head -1)}
commit=$(git rev-parse --verify "$previous^{commit}") || fail "the previous release $previous is not a commit of this repository"

pids=()
drop_roles() {
  psql -h 127.0.0.1 -U postgres -d postgres -q -c "DROP ROLE IF EXISTS $RUNTIME" -c "DROP ROLE IF EXISTS $MIGRATOR" \
    >/dev/null 2>&1 || true
}
cleanup() {
  status=$?
  [ "${#pids[@]}" = 0 ] || stop_pids 30 "${pids[@]}"
  [ "$status" = 0 ] || tail_logs 30 "$OUT"/*.log
  drop_database "$DB"
  drop_roles
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT"
rm -f "$OUT"/*.log

echo "== the previous release: ${commit:0:12} ($(git log -1 --format=%cs "$commit"))"
if [ "$(cat "$PREVIOUS_DIR/.commit" 2>/dev/null)" = "$commit" ] && [ -f "$OLD_JAR" ]; then
  pass "its jar was built before: $OLD_JAR"
else
  rm -rf "$PREVIOUS_DIR" && mkdir -p "$PREVIOUS_DIR"
  git archive "$commit" | tar -x -C "$PREVIOUS_DIR"
  started=$SECONDS
  (cd "$PREVIOUS_DIR" && ./mvnw -B package -Dmaven.test.skip=true) >"$OUT/build.log" 2>&1 || fail "building the previous release failed (see $OUT/build.log)"
  [ -f "$OLD_JAR" ] || fail "the previous release's build left no $OLD_JAR"
  echo "$commit" >"$PREVIOUS_DIR/.commit"
  pass "built in $((SECONDS - started)) s"
fi
old_migrations=$(cd "$PREVIOUS_DIR/src/main/resources/db/migration" && ls | sort | paste -sd ' ' -)
new_migrations=$(cd src/main/resources/db/migration && ls | sort | paste -sd ' ' -)
echo "  previous release's migrations: $old_migrations"
echo "  this release's migrations:     $new_migrations"

# start JAR NAME: a replica as the Deployment runs it (the runtime role, migrate-at-start off), after its init
# container; sets port_NAME, mgmt_NAME, pid_NAME.
start() {
  local jar=$1 name=$2 http mgmt
  init_and_exit "$jar" "$DB" "$RUNTIME" "$OUT/$name-await.log" "${AWAIT_MIGRATIONS[@]}" \
    || fail "$name: the await-migrations init container failed (see $OUT/$name-await.log)"
  read -r http mgmt <<<"$(free_ports 2)"
  QUARKUS_FLYWAY_MIGRATE_AT_START=false TALLY_AGGREGATES_REFRESH_INTERVAL=1s TALLY_DB_USER="$RUNTIME" TALLY_JAR="$jar" \
    start_tally "$DB" "$http" "$mgmt" "$ADMIN_KEY" "$OUT/$name.log" -Xmx256m
  pids+=("$tally_pid")
  await_ready "$tally_pid" "$mgmt" 90 "$name" || exit 1
  printf -v "port_$name" %s "$http"
  printf -v "pid_$name" %s "$tally_pid"
}
# call PORT EXPECTED METHOD PATH [BODY]: the answer's body on stdout; fails unless the status is EXPECTED.
call() {
  local port=$1 expected=$2 method=$3 path=$4 body=${5:-} code
  local args=(-s -o "$OUT/answer" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $ADMIN_KEY" --max-time 60)
  [ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
  code=$(curl "${args[@]}" "http://127.0.0.1:$port$path") || code=000
  [ "$code" = "$expected" ] || fail "$method $path on port $port answered $code, not $expected: $(cat "$OUT/answer")"
  cat "$OUT/answer"
}
sent=0
sum=0
# ingest PORT: one event and a batch of two through the replica on PORT; counts them.
ingest() {
  local port=$1 n=$((sent + 1))
  call "$port" 201 POST /events "{\"clientId\":\"$CLIENT\",\"metric\":\"orders\",\"amount\":$n,\"timestamp\":\"2024-01-01T10:00:00Z\",\"eventId\":\"e-$n\"}" >/dev/null
  batch=$(call "$port" 200 POST /events "[{\"clientId\":\"$CLIENT\",\"metric\":\"orders\",\"amount\":$((n + 1)),\"timestamp\":\"2024-01-01T10:20:00Z\",\"eventId\":\"e-$((n + 1))\"},
    {\"clientId\":\"$CLIENT\",\"metric\":\"orders\",\"amount\":$((n + 2)),\"timestamp\":\"2024-01-02T10:00:00Z\"}]")
  [ "$(jq -r .accepted <<<"$batch")" = 2 ] || fail "batch through port $port: $batch"
  sent=$((sent + 3))
  sum=$((sum + 3 * n + 3))
}
# totals PORT: "count/sum" of the client's total aggregate as the replica on PORT reads it after a refresh.
totals() {
  call "$1" 200 POST /aggregates/refresh >/dev/null
  jq -r '(.rows[0].count|tostring) + "/" + (.rows[0].sum|tostring)' <<<"$(call "$1" 200 GET "/aggregates?clientId=$CLIENT&granularity=total")"
}
reads() { # PORT: the read endpoints answer
  call "$1" 200 GET "/raw-events?clientId=$CLIENT&limit=5" >/dev/null
  call "$1" 200 GET /keys >/dev/null
  call "$1" 200 GET "/aggregates?clientId=$CLIENT&granularity=hour" >/dev/null
}

echo "== 1. the previous release as deployed"
drop_database "$DB"
drop_roles
fresh_database "$DB"
as_postgres -v migrator="$MIGRATOR" -v migrator_password=x -v runtime="$RUNTIME" -v runtime_password=x \
  -f docker/database/roles.sql >"$OUT/roles.log" 2>&1 || fail "roles.sql: $(cat "$OUT/roles.log")"
init_and_exit "$OLD_JAR" "$DB" "$MIGRATOR" "$OUT/old-migrate.log" "${MIGRATE[@]}" \
  || fail "the previous release's migrations failed (see $OUT/old-migrate.log)"
pass "its schema: $(as_postgres -c "SELECT string_agg(coalesce(version, 'R') || ' ' || description, ', ' ORDER BY installed_rank) FROM flyway_schema_history")"
start "$OLD_JAR" old
ingest "$port_old"
[ "$(totals "$port_old")" = "$sent/$sum" ] || fail "previous release, own schema: aggregates $(totals "$port_old"), expected $sent/$sum"
pass "previous release serving: $sent events, aggregates $sent/$sum"

echo "== 2. this release's migration Job while the previous release serves"
before=$(as_postgres -c "SELECT count(*) FROM flyway_schema_history")
init_and_exit "$NEW_JAR" "$DB" "$MIGRATOR" "$OUT/new-migrate.log" "${MIGRATE[@]}" \
  || fail "this release's migrations failed (see $OUT/new-migrate.log)"
[ "$(as_postgres -c "SELECT count(*) FROM flyway_schema_history WHERE NOT success")" = 0 ] || fail "a migration failed"
pass "$(( $(as_postgres -c "SELECT count(*) FROM flyway_schema_history") - before )) migrations applied: $(as_postgres -c "SELECT coalesce(string_agg(coalesce(version, 'R') || ' ' || description, ', ' ORDER BY installed_rank), 'none') FROM flyway_schema_history WHERE installed_rank > $before")"
ingest "$port_old"
reads "$port_old"
[ "$(totals "$port_old")" = "$sent/$sum" ] || fail "previous release, new schema: aggregates $(totals "$port_old"), expected $sent/$sum"
pass "the previous release, on the new schema: ingest, reads, aggregates $sent/$sum"

echo "== 3. both releases at once"
start "$NEW_JAR" new
ingest "$port_new"
ingest "$port_old"
old_totals=$(totals "$port_old")
new_totals=$(totals "$port_new")
[ "$old_totals" = "$sent/$sum" ] && [ "$new_totals" = "$sent/$sum" ] \
  || fail "aggregates: previous release $old_totals, this release $new_totals, expected $sent/$sum"
reads "$port_new"
[ "$(as_postgres -c "SELECT count(*) FROM events WHERE client_id = '$CLIENT'")" = "$sent" ] || fail "events rows differ from $sent"
pass "events through each release; both read aggregates $sent/$sum; $sent events rows"

echo "== 4. a pod of the previous release restarted on the new schema"
stop_pids 30 "$pid_old"
start "$OLD_JAR" old
ingest "$port_old"
[ "$(totals "$port_old")" = "$sent/$sum" ] || fail "restarted previous release: aggregates $(totals "$port_old"), expected $sent/$sum"
pass "its init container passes (newer migrations are ignored), it starts, ingests and reads: $sent/$sum"
denied=$(cat "$OUT"/old.log "$OUT"/new.log | grep -ciE 'permission denied|must be owner|does not exist|ERROR' || true)
[ "$denied" = 0 ] || fail "errors in the replicas' logs: $(cat "$OUT"/old.log "$OUT"/new.log | grep -iE 'permission denied|must be owner|does not exist|ERROR' | head -3)"
pass "no error in either release's log"
echo "UPGRADE CHECK PASSED"
