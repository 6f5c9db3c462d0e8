#!/usr/bin/env bash
# On-demand benchmark, not a test (docs/citus.md, "Measured here"): the same load against one PostgreSQL node and
# against a Citus coordinator with two workers, all private nodes under target/citus on this machine with the same
# settings (the single node preloads citus too, without the extension: Tally sees plain PostgreSQL, V14 does nothing).
#   POST /events, 1 new event per request, LOAD_CONNECTIONS (32) connections, events spread over BENCH_CLIENTS (64)
#   clients; the same with 100-event batches; then, Tally stopped, 10,000 events over 100 clients' buckets written in
#   SQL and the incremental refresh that materializes them timed, and the rebuild of one client.
#   src/test/citus/bench.sh     (./mvnw -B package -DskipTests first; needs wrk and Citus, see docs/citus.md)
#   BENCH_ONLY=citus skips the single node; CITUS_SETTINGS="name=value ..." sets Citus settings for Tally's database.
set -euo pipefail
cd "$(dirname "$0")/../../.."
source src/test/lib/tally.sh
source src/test/citus/cluster.sh
citus_installed || { echo "SKIP: Citus is not installed here; see docs/citus.md"; exit 0; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
jar=target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 2; }
seconds=${LOAD_SECONDS:-20}
connections=${LOAD_CONNECTIONS:-32}
clients=${BENCH_CLIENTS:-64}
export TALLY_BENCH_KEY="tally_bench_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
pid=""
trap '[ -z "$pid" ] || stop_pids 30 "$pid"; citus_cluster_destroy' EXIT

# measure LABEL PORT: Tally on 127.0.0.1:PORT/tally (migrated by it), the two ingest phases, the refresh; one line each.
measure() {
  local label=$1 pgport=$2 port mport
  read -r port mport < <(free_ports 2)
  QUARKUS_HTTP_PORT=$port QUARKUS_MANAGEMENT_PORT=$mport TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY=$TALLY_BENCH_KEY \
  TALLY_SECURITY_RATE_LIMIT_REQUESTS_PER_SECOND=1000000 TALLY_SECURITY_RATE_LIMIT_BURST=1000000 \
  QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:$pgport/tally" \
  QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:$pgport/tally" QUARKUS_DATASOURCE_USERNAME=postgres \
    java -jar "$jar" >"target/citus/bench-$label.log" 2>&1 &
  pid=$!
  await_ready "$pid" "$mport" 120 Tally
  BENCH_TAG=warm BENCH_CLIENTS=$clients wrk -t2 -c"$connections" -d10s --timeout 10s -s src/test/bench/single-events.lua \
    "http://127.0.0.1:$port" >/dev/null
  local single batch
  single=$(BENCH_TAG=single BENCH_CLIENTS=$clients wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency \
    -s src/test/bench/single-events.lua "http://127.0.0.1:$port")
  batch=$(BENCH_TAG=batch BENCH_BATCH=100 BENCH_CLIENTS=$clients wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s \
    --latency -s src/test/bench/single-events.lua "http://127.0.0.1:$port")
  local groups
  groups=$(curl -s "http://127.0.0.1:$mport/q/metrics" | awk '/^tally_ingest_group_requests_sum/ { s = $2 }
    /^tally_ingest_group_requests_count/ { c = $2 } END { if (c > 0) printf "%.1f", s / c; else printf "-" }')
  stop_pids 30 "$pid"
  pid=""
  printf '%-28s %-34s %8s req/s  p50 %-9s p99 %-9s (requests per group %s)\n' "$label" "POST /events, 1 event, $connections conn" \
    "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$single")" "$(awk '$1 == "50%" { print $2 }' <<<"$single")" \
    "$(awk '$1 == "99%" { print $2 }' <<<"$single")" "$groups"
  printf '%-28s %-34s %8s ev/s   p50 %-9s p99 %-9s\n' "$label" "POST /events, 100 events, $connections conn" \
    "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 * 100 }' <<<"$batch")" "$(awk '$1 == "50%" { print $2 }' <<<"$batch")" \
    "$(awk '$1 == "99%" { print $2 }' <<<"$batch")"
  psql -h 127.0.0.1 -p "$pgport" -U postgres -d tally -qAt -v ON_ERROR_STOP=1 >"target/citus/bench-$label-sql.txt" <<'SQL'
SELECT count(*) FROM aggregate_refresh(100);
INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
SELECT 'refresh-' || (g % 100), md5(g::text), 'm', g % 97, timestamptz '2024-03-01' + (g % 100) * interval '15 minutes', r.id, 0
  FROM generate_series(1, 10000) g, (SELECT min(id) AS id FROM raw_events) r;
\timing on
SELECT changes FROM aggregate_refresh(100);
SELECT aggregate_rebuild_client('bench-1');
SQL
  awk -v label="$label" '/^Time:/ { t[++n] = $2 } END {
    printf "%-28s %-34s %8s ms\n", label, "refresh after 10,000 new events", t[1];
    printf "%-28s %-34s %8s ms\n", label, "rebuild of one client", t[2] }' "target/citus/bench-$label-sql.txt"
}

read -r single coordinator worker1 worker2 < <(free_ports 4)
citus_cluster_destroy
mkdir -p "$citus_dir"
echo "single $single" >"$citus_dir/ports"
citus_node_start single "$single"
PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$single" -U postgres -d postgres -qc "CREATE DATABASE tally"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "${BENCH_ONLY:-}" = citus ] || measure "one node" "$single"
citus_node_stop single
citus_cluster_start "$coordinator" "$worker1" "$worker2"
citus_database tally
# CITUS_SETTINGS="citus.max_adaptive_executor_pool_size=1 ...": set for Tally's database before Tally connects.
for setting in ${CITUS_SETTINGS:-}; do
  psql -h 127.0.0.1 -p "$coordinator" -U postgres -d tally -qc "ALTER DATABASE tally SET ${setting%%=*} = '${setting#*=}'"
done
measure "coordinator + 2 workers${CITUS_SETTINGS:+ ($CITUS_SETTINGS)}" "$coordinator"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
