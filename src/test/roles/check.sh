#!/usr/bin/env bash
# Tally as Kubernetes runs it (docs/deployment.md): two database roles, the migrations run once by the migration
# Job as the role that owns the schema, and the application as a runtime role that can change rows but no schema.
# Run by .ci/run after ./mvnw verify; builds nothing, runs target/quarkus-app/quarkus-run.jar in a database of its
# own ($DB, dropped afterwards) with roles of its own ($DB_migrator, $DB_runtime, dropped afterwards). Shows that:
#   1. docker/database/roles.sql creates both roles on a fresh database (and runs again unchanged);
#   2. the Deployment's wait-for-migrations init container (Flyway validate as the runtime role) fails on a database
#      the Job has not migrated yet, so no pod starts on an old schema;
#   3. the migration Job's command (QUARKUS_INIT_AND_EXIT with migrate-at-start, as the migrator) migrates and exits
#      0; every object then belongs to the migrator; the init container now passes;
#   4. the runtime role, with migrate-at-start off, serves everything Tally does at run time: the bootstrap admin
#      key, API keys (create, use, revoke through LISTEN/NOTIFY), single and batch ingest, a rejected event, a
#      mapping, a replay, the aggregates refresh (advisory lock, tally functions) and rebuild, recovery of pending
#      rows, inspection, metrics; and nothing in its log is a permission error;
#   5. the runtime role can create, alter, drop or truncate nothing, creates no temporary table, cannot touch the
#      identity sequences' values, and can read but not rewrite Flyway's schema history;
#   6. a table a later migration creates is usable by the runtime role without another grant (default privileges).
# Bounded: every wait has a deadline; the process, the database and the roles are cleaned up on any exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

DB=${TALLY_ROLES_DB:-tally_roles}
MIGRATOR=${DB}_migrator
RUNTIME=${DB}_runtime
JAR=target/quarkus-app/quarkus-run.jar
OUT=target/roles
ADMIN_KEY="tally_roles_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
AUTH=(-H "Authorization: Bearer $ADMIN_KEY")

as_postgres() { psql -h 127.0.0.1 -U postgres -d "$DB" -v ON_ERROR_STOP=1 -qAt "$@"; }
as_runtime() { psql -h 127.0.0.1 -U "$RUNTIME" -d "$DB" -v ON_ERROR_STOP=1 -qAt "$@"; }
as_migrator() { psql -h 127.0.0.1 -U "$MIGRATOR" -d "$DB" -v ON_ERROR_STOP=1 -qAt "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "  ok: $*"; }

[ -f "$JAR" ] || fail "$JAR is missing: run ./mvnw -B verify (or package) first"
rm -rf "$OUT" && mkdir -p "$OUT"

pid=
drop_roles() {
  psql -h 127.0.0.1 -U postgres -d postgres -q -c "DROP ROLE IF EXISTS $RUNTIME" -c "DROP ROLE IF EXISTS $MIGRATOR" \
    >/dev/null 2>&1 || true
}
cleanup() {
  status=$?
  [ -n "$pid" ] && stop_pids 30 "$pid"
  [ "$status" = 0 ] || tail_logs 30 "$OUT"/*.log
  drop_database "$DB"
  drop_roles
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== 1. docker/database/roles.sql on a fresh database"
drop_database "$DB"
drop_roles
fresh_database "$DB"
for run in 1 2; do
  as_postgres -v migrator="$MIGRATOR" -v migrator_password="m-$RANDOM" -v runtime="$RUNTIME" -v runtime_password="r-$RANDOM" \
    -f docker/database/roles.sql >"$OUT/roles-$run.log" 2>&1 || fail "roles.sql, run $run: $(cat "$OUT/roles-$run.log")"
done
[ "$(as_postgres -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")" = "$MIGRATOR" ] \
  || fail "the database does not belong to $MIGRATOR"
[ "$(as_postgres -c "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = '$RUNTIME'")" = f ] \
  || fail "$RUNTIME has a cluster-wide privilege"
pass "roles $MIGRATOR (owns the database and schema) and $RUNTIME created; the script runs twice unchanged"

echo "== 2. before the migration Job, the pods' init container refuses to let Tally start"
if init_and_exit "$JAR" "$DB" "$RUNTIME" "$OUT/await-before.log" "${AWAIT_MIGRATIONS[@]}"; then
  fail "Flyway validate passed on an unmigrated database"
fi
grep -q 'not applied to database' "$OUT/await-before.log" || fail "the init container failed for another reason (see $OUT/await-before.log)"
pass "validate as $RUNTIME fails: $(grep -o 'Detected resolved migration not applied to database: [0-9]*' "$OUT/await-before.log" | head -1) ..."

echo "== 3. the migration Job: migrate as $MIGRATOR and exit"
started=$SECONDS
init_and_exit "$JAR" "$DB" "$MIGRATOR" "$OUT/migrate.log" "${MIGRATE[@]}" || fail "the migration run exited with status $? (see $OUT/migrate.log)"
grep -q 'Successfully applied' "$OUT/migrate.log" || fail "the migration run applied nothing"
[ "$(as_postgres -c "SELECT count(*) FROM flyway_schema_history WHERE NOT success")" = 0 ] || fail "a migration failed"
pass "migrated and exited 0 in $((SECONDS - started)) s: $(grep -o 'Successfully applied [0-9]* migrations' "$OUT/migrate.log")"
foreign=$(as_postgres -c "
  SELECT string_agg(name, ', ') FROM (
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) <> '$MIGRATOR'
    UNION ALL
    SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '$MIGRATOR') o")
[ -z "$foreign" ] || fail "objects not owned by $MIGRATOR: $foreign"
pass "$(as_postgres -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'") relations and $(as_postgres -c "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'") functions, all owned by $MIGRATOR"
init_and_exit "$JAR" "$DB" "$RUNTIME" "$OUT/await-after.log" "${AWAIT_MIGRATIONS[@]}" || fail "validate as $RUNTIME failed after the migration (see $OUT/await-after.log)"
pass "the init container now passes"

echo "== 4. Tally as $RUNTIME, migrate-at-start off"
read -r http mgmt <<<"$(free_ports 2)"
QUARKUS_FLYWAY_MIGRATE_AT_START=false \
TALLY_RECOVERY_INTERVAL=1s \
TALLY_RECOVERY_GRACE=1s \
TALLY_AGGREGATES_REFRESH_INTERVAL=1s \
TALLY_DB_USER="$RUNTIME" \
  start_tally "$DB" "$http" "$mgmt" "$ADMIN_KEY" "$OUT/tally.log" -Xmx256m
pid=$tally_pid
await_ready "$pid" "$mgmt" 90 "Tally as $RUNTIME" || exit 1
pass "ready; the bootstrap admin key installed: $(as_postgres -c "SELECT id || ' ' || role FROM api_keys WHERE id = 'bootstrap'")"

BASE="http://127.0.0.1:$http"
# call EXPECTED METHOD PATH [BODY] [KEY]: the body of the answer on stdout; fails unless the status is EXPECTED.
call() {
  local expected=$1 method=$2 path=$3 body=${4:-} key=${5:-$ADMIN_KEY} code
  local args=(-s -o "$OUT/answer" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $key" --max-time 60)
  [ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
  code=$(curl "${args[@]}" "$BASE$path") || code=000
  [ "$code" = "$expected" ] || fail "$method $path answered $code, not $expected: $(cat "$OUT/answer")"
  cat "$OUT/answer"
}
field() { jq -r "$1" <<<"$2"; }

created=$(call 201 POST /keys '{"role":"ingest","clientIds":["shop"],"description":"roles check"}')
key=$(field .key "$created")
key_id=$(field .id "$created")
call 201 POST /events '{"clientId":"shop","metric":"orders","amount":12.5,"timestamp":"2024-01-01T10:00:00Z","eventId":"o-1"}' "$key" >/dev/null
call 200 POST /events '{"clientId":"shop","metric":"orders","amount":12.5,"timestamp":"2024-01-01T10:00:00Z","eventId":"o-1"}' "$key" >/dev/null
batch=$(call 200 POST /events '[{"clientId":"shop","metric":"orders","amount":1,"timestamp":"2024-01-01T10:05:00Z"},
  {"clientId":"shop","metric":"orders","amount":2,"timestamp":"2024-01-01T11:05:00Z"}]')
[ "$(field .accepted "$batch")" = 2 ] || fail "batch: $batch"
pass "ingest with a key created by the runtime role: single 201, its retry 200, a batch of 2 accepted"
call 422 POST /events '{"clientId":"legacy","event":"orders","price":1999,"meta":{"ts":"2024-03-01 10:00:00"},"txn":"T-1"}' >/dev/null
call 201 PUT /clients/legacy/mapping '{"fields":{"amount":"/price","timestamp":"/meta/ts","metric":"/event","eventId":"/txn"},
  "timestampFormat":"pattern:yyyy-MM-dd HH:mm:ss","timezone":"Europe/Berlin","amountScale":2}' >/dev/null
replay=$(call 202 POST /replays '{"clientId":"legacy","statuses":["rejected"]}')
deadline=$((SECONDS + 30))
until [ "$(field .state "$(call 200 GET "/replays/$(field .id "$replay")")")" = succeeded ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the replay did not succeed within 30 s: $(cat "$OUT/answer")"
  sleep 0.5
done
[ "$(as_postgres -c "SELECT count(*) FROM events WHERE client_id = 'legacy'")" = 1 ] || fail "the replayed event is not stored"
pass "a rejected event, a mapping, and a replay that stored it"

psql_count() { as_postgres -c "SELECT count(*) FROM raw_events WHERE client_id = 'recovery' AND status = '$1'"; }
as_postgres -c "INSERT INTO raw_events (received_at, client_id, content_type, payload, status)
  SELECT now() - interval '1 hour', 'recovery', 'application/json',
         jsonb_build_object('clientId', 'recovery', 'metric', 'm', 'amount', i, 'timestamp', '2024-01-01T00:00:00Z', 'eventId', 'r-' || i),
         'pending' FROM generate_series(1, 50) AS i"
deadline=$((SECONDS + 30))
until [ "$(psql_count pending)" = 0 ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "pending rows left after 30 s: $(psql_count pending)"
  sleep 0.5
done
[ "$(psql_count accepted)" = 50 ] || fail "recovery accepted $(psql_count accepted) of 50"
pass "recovery settled 50 pending rows"

call 200 POST /aggregates/refresh >/dev/null
totals=$(call 200 GET '/aggregates?clientId=shop&granularity=total')
[ "$(field '.rows[0].count' "$totals")/$(field '.rows[0].sum' "$totals")" = 3/15.5 ] || fail "aggregates: $totals"
rebuild=$(call 202 POST /aggregates/rebuild)
deadline=$((SECONDS + 60))
until [ "$(field .state "$(call 200 GET "/aggregates/rebuilds/$(field .id "$rebuild")")")" = succeeded ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the rebuild did not succeed within 60 s: $(cat "$OUT/answer")"
  sleep 0.5
done
call 200 POST /aggregates/refresh >/dev/null
totals=$(call 200 GET '/aggregates?clientId=shop&granularity=total')
[ "$(field '.rows[0].count' "$totals")/$(field '.rows[0].sum' "$totals")" = 3/15.5 ] || fail "aggregates after the rebuild: $totals"
pass "aggregates refreshed (count 3, sum 15.5) and rebuilt, same totals"

fingerprint=$(as_postgres -c "SELECT fingerprint FROM events WHERE client_id = 'shop' AND event_id = 'o-1'")
call 200 GET "/events/$fingerprint?clientId=shop" >/dev/null
call 200 GET '/raw-events?clientId=shop&limit=10' >/dev/null
call 200 GET /keys >/dev/null
call 200 DELETE "/keys/$key_id" >/dev/null
deadline=$((SECONDS + 10))
until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    --data-binary '{"clientId":"shop","metric":"orders","amount":1,"timestamp":"2024-01-01T12:00:00Z"}' "$BASE/events")" = 401 ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the revoked key still works after 10 s"
  sleep 0.2
done
pass "inspection; the key revoked and refused"
metrics=$(curl -s --max-time 30 "http://127.0.0.1:$mgmt/q/metrics") || fail "GET /q/metrics failed"
grep -q '^tally_' <<<"$metrics" || fail "no tally_ metric in /q/metrics"
pass "metrics and health on the management port ($(grep -c '^tally_' <<<"$metrics") tally_ samples)"
denied=$(grep -ciE 'permission denied|must be owner|42501' "$OUT/tally.log" || true)
[ "$denied" = 0 ] || fail "permission errors in Tally's log: $(grep -iE 'permission denied|must be owner|42501' "$OUT/tally.log" | head -3)"
pass "no permission error in Tally's log ($(grep -c . "$OUT/tally.log") lines)"
stop_pids 30 "$pid"
pid=

echo "== 5. the runtime role changes no schema"
refused=0
while IFS= read -r statement; do
  if as_runtime -c "$statement" >"$OUT/ddl.log" 2>&1; then
    fail "$RUNTIME may: $statement"
  fi
  grep -qE 'permission denied|must be owner' "$OUT/ddl.log" || fail "$statement failed otherwise: $(cat "$OUT/ddl.log")"
  refused=$((refused + 1))
done <<'SQL'
CREATE TABLE roles_check (id int)
CREATE TEMP TABLE roles_check (id int)
CREATE SCHEMA roles_check
CREATE FUNCTION roles_check() RETURNS int LANGUAGE sql AS 'SELECT 1'
CREATE INDEX roles_check ON events (metric)
ALTER TABLE events ADD COLUMN roles_check int
ALTER TABLE raw_events DISABLE TRIGGER USER
DROP TABLE raw_events
DROP FUNCTION tally_settle
TRUNCATE events
CREATE TRIGGER roles_check AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION aggregate_invalidate_all()
SELECT setval(pg_get_serial_sequence('raw_events', 'id'), 1)
INSERT INTO flyway_schema_history (installed_rank, description, type, script, installed_by, execution_time, success) VALUES (1000, 'x', 'SQL', 'x', 'x', 0, true)
UPDATE flyway_schema_history SET checksum = 0
DELETE FROM flyway_schema_history
SQL
[ "$(as_runtime -c "SELECT count(*) FROM flyway_schema_history")" -gt 0 ] || fail "$RUNTIME cannot read the schema history"
pass "$refused statements refused (CREATE, ALTER, DROP, TRUNCATE, TEMP, setval, schema history writes); the history is readable"

echo "== 6. a later migration's table is the runtime role's to use"
as_migrator -c "CREATE TABLE roles_check_future (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)"
as_runtime -c "INSERT INTO roles_check_future (note) VALUES ('x')" -c "UPDATE roles_check_future SET note = 'y'" \
  -c "DELETE FROM roles_check_future" >/dev/null || fail "$RUNTIME cannot use a table the migrator created after roles.sql"
pass "insert, update, delete on a new table (and its identity sequence) without another grant"
echo "ROLES CHECK PASSED"
