#!/usr/bin/env bash
# Tally on Citus (docs/citus.md), by hand where Citus is installed: a coordinator and two workers in private data
# directories under target/citus (free ports), Tally's tests against the coordinator, where the shards of a few
# clients live, and the short chaos run with a worker among the faults. Where PostgreSQL has no citus.so it says so in
# one line and exits 0 (CI runs on plain PostgreSQL).
#
#   src/test/citus/run.sh                 # tests, shard placement, chaos run (60 s), then the cluster is removed
#   src/test/citus/run.sh --keep          # leave the cluster running (target/citus/ports names its nodes)
#   CITUS_TESTS=... CITUS_ITS=...         # surefire / failsafe patterns (defaults below; CITUS_ITS=none skips the jar's)
#   CITUS_CHAOS_ARGS="--duration 5m"      # more chaos (CITUS_CHAOS_ARGS=skip: none)
set -euo pipefail
cd "$(dirname "$0")/../../.."
source src/test/lib/tally.sh
source src/test/citus/cluster.sh

if ! citus_installed; then
  echo "SKIP: Citus is not installed here (no citus.so in PostgreSQL's lib directory); see docs/citus.md"
  exit 0
fi
keep=false
[ "${1:-}" = --keep ] && keep=true

# Every class that reads or writes the database through Tally, and every test of the packaged jar.
tests=${CITUS_TESTS:-'dev.tally.ingest.**.*Test,dev.tally.aggregate.**.*Test,dev.tally.outcome.**.*Test,dev.tally.replay.**.*Test,dev.tally.inspect.**.*Test,dev.tally.mapping.**.*Test,dev.tally.security.**.*Test,dev.tally.sdk.**.*Test,dev.tally.dashboard.**.*Test'}
its=${CITUS_ITS:-'*IT'}

read -r coordinator worker1 worker2 < <(free_ports 3)
cleanup() {
  if [ "$keep" = true ]; then
    echo "kept: the cluster under target/citus ($(tr '\n' ' ' <target/citus/ports))"
  else
    citus_cluster_destroy
  fi
}
trap cleanup EXIT
citus_cluster_start "$coordinator" "$worker1" "$worker2"
citus_database tally_citus
psql -h 127.0.0.1 -p "$coordinator" -U postgres -d tally_citus -Atc "SELECT citus_version()"
psql -h 127.0.0.1 -p "$coordinator" -U postgres -d tally_citus -c "SELECT nodename, nodeport, noderole, shouldhaveshards FROM pg_dist_node ORDER BY nodeport"

status=0
echo "== Tally's tests against the coordinator (127.0.0.1:$coordinator/tally_citus)"
it_args=(-Dit.test="$its")
[ "$its" = none ] && it_args=(-DskipITs)
QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:$coordinator/tally_citus" \
QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:$coordinator/tally_citus" \
  nice -n 10 ./mvnw -B verify -Dtest="$tests" "${it_args[@]}" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dfailsafe.failIfNoSpecifiedTests=false >target/citus-tests.log 2>&1 || status=1
grep -E '^\[(INFO|ERROR|WARNING)\] Tests run:|FAILURE!|BUILD' target/citus-tests.log | grep -v ' -- in ' || true
grep -E 'Tests run:.* -- in ' target/citus-tests.log | grep -E 'FAILURE|ERROR' || true
echo "(the whole log: target/citus-tests.log)"

echo "== Where the shards of the busiest clients live"
psql -h 127.0.0.1 -p "$coordinator" -U postgres -d tally_citus -c "
  SELECT c.client_id, c.raw_rows, s.shardid, s.nodename || ':' || s.nodeport AS node, s.shard_name
    FROM (SELECT client_id, count(*) AS raw_rows FROM raw_events GROUP BY client_id ORDER BY 2 DESC, 1 LIMIT 5) c
    JOIN citus_shards s ON s.shardid = get_shard_id_for_distribution_column('raw_events', c.client_id)
                       AND s.table_name = 'raw_events'::regclass
   ORDER BY c.raw_rows DESC, c.client_id"
psql -h 127.0.0.1 -p "$coordinator" -U postgres -d tally_citus -c "
  SELECT table_name, count(*) AS shards, count(DISTINCT nodeport) AS nodes, colocation_id, pg_size_pretty(sum(shard_size)) AS size
    FROM citus_shards GROUP BY table_name, colocation_id ORDER BY table_name"

if [ ! -f target/quarkus-app/quarkus-run.jar ]; then
  # A test failure stops verify before the jar is packaged; the move and the chaos run need it.
  echo "FAIL: Tally on Citus (the tests failed before the jar was packaged; the move and the chaos run were not run)"
  exit 1
fi

echo "== Moving an existing database: migrated without the extension, filled, then docker/database/citus-distribute.sh"
while read -r name port; do
  PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE tally_move"
done <target/citus/ports
QUARKUS_INIT_AND_EXIT=true QUARKUS_HTTP_PORT=0 QUARKUS_MANAGEMENT_PORT=0 QUARKUS_DATASOURCE_USERNAME=postgres \
QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:$coordinator/tally_move" \
QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:$coordinator/tally_move" \
  timeout 120 java -jar target/quarkus-app/quarkus-run.jar >target/citus/move-migrate.log 2>&1
move_sql() { psql -h 127.0.0.1 -p "$coordinator" -U postgres -d tally_move -v ON_ERROR_STOP=1 -qAt "$@"; }
figures="SELECT (SELECT count(*) FROM raw_events) || ' raw rows, ' || (SELECT count(*) FROM raw_events WHERE nullif(client_id, '') IS NULL)
  || ' without client, ' || (SELECT count(*) FROM events) || ' events; totals ' || (SELECT sum(event_count) || '/' || sum(amount_sum) FROM aggregate_totals)
  || '; outcomes ' || (SELECT sum(accepted) || '/' || sum(rejected) FROM outcome_buckets)"
move_sql >/dev/null <<'SQL'
INSERT INTO raw_events (client_id, payload, status)
SELECT CASE WHEN g % 50 = 0 THEN NULL ELSE 'move-' || (g % 20) END, '{}', 'pending' FROM generate_series(1, 2000) g;
INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
SELECT client_id, md5(id::text), 'm', id % 50, timestamptz '2024-01-01' + id * interval '7 minutes', id, 0
  FROM raw_events WHERE client_id IS NOT NULL;
UPDATE raw_events SET status = CASE WHEN client_id IS NULL THEN 'rejected' ELSE 'accepted' END,
       reasons = CASE WHEN client_id IS NULL THEN '[{"code": "missing_field", "message": "m"}]'::jsonb END,
       fingerprint = CASE WHEN client_id IS NOT NULL THEN md5(id::text) END, processed_at = now();
SELECT aggregate_refresh(100);
SQL
before=$(move_sql -c "$figures")
echo "before: $before (layout: $(move_sql -c "SELECT count(*) FROM pg_extension WHERE extname = 'citus'") citus extensions)"
PGUSER=postgres docker/database/citus-distribute.sh tally_move "127.0.0.1:$coordinator" "127.0.0.1:$worker1" "127.0.0.1:$worker2"
move_sql -c "SELECT aggregate_refresh(100)" >/dev/null
after=$(move_sql -c "$figures")
differing=$(move_sql -c "SELECT count(*) FROM aggregate_check(1000)")
echo "after:  $after; aggregate_check differences: $differing"
if [ "$before" = "$after" ] && [ "$differing" = 0 ]; then echo "moved: same rows, same aggregates"; else echo "FAIL: the move changed the data"; status=1; fi

if [ "${CITUS_CHAOS_ARGS:-}" != skip ]; then
  echo "== The chaos run against the coordinator, a worker crashed among the faults"
  citus_database tally
  # shellcheck disable=SC2086
  src/test/chaos/run.sh --citus target/citus ${CITUS_CHAOS_ARGS:-} || status=1
fi
[ "$status" = 0 ] && echo "PASS: Tally on Citus" || echo "FAIL: Tally on Citus (see above)"
exit "$status"
