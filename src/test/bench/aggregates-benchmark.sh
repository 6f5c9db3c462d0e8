#!/usr/bin/env bash
# How aggregates cost grows with data: refresh time and GET /aggregates p50/p99 at 1M and 10M events.
# Not a test. Run from the project root:   src/test/bench/aggregates-benchmark.sh
# Needs the packaged application (./mvnw -B package -DskipTests; built here when missing), psql and a JDK.
# Uses a scratch database (default tally_bench) that it creates and drops; the events are generated in SQL.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

PGHOST="${PGHOST:-127.0.0.1}"; PGPORT="${PGPORT:-5432}"; PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER
DB="${BENCH_DB:-tally_bench}"
PORT="${BENCH_PORT:-18480}"
SIZES="${BENCH_SIZES:-1000000 10000000}"
CLIENTS=50; METRICS=4; DAYS=90
# The all-clients total reads the whole view (~0.5 s a request), so it gets fewer samples.
WARMUP=20; REQUESTS=300; TOTAL_REQUESTS=100
BASE="http://127.0.0.1:$PORT"
MANAGEMENT="http://127.0.0.1:${BENCH_MANAGEMENT_PORT:-$((PORT + 1))}"  # health
# Requests carry a throwaway admin key; the limiter is set out of reach: these figures measure ingest, not it.
export TALLY_BENCH_KEY="tally_bench_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
AUTH=(-H "Authorization: Bearer $TALLY_BENCH_KEY")
PROBE="src/test/bench/LatencyProbe.java"

psql_bench() { psql -d "$DB" -v ON_ERROR_STOP=1 -qAt "$@"; }

[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests

echo "== scratch database $DB"
psql -d postgres -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"

app_pid=""
cleanup() {
  [ -z "$app_pid" ] || stop_pids 30 "$app_pid"
  psql -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
}
trap cleanup EXIT

echo "== starting Tally on :$PORT against $DB (migrations run at start; scheduled refresh effectively off)"
QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://$PGHOST:$PGPORT/$DB" \
QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB" \
QUARKUS_DATASOURCE_USERNAME="$PGUSER" \
QUARKUS_HTTP_PORT="$PORT" \
QUARKUS_MANAGEMENT_PORT="${MANAGEMENT##*:}" \
TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY="$TALLY_BENCH_KEY" \
TALLY_SECURITY_RATE_LIMIT_REQUESTS_PER_SECOND=1000000 \
TALLY_SECURITY_RATE_LIMIT_BURST=1000000 \
TALLY_AGGREGATES_REFRESH_INTERVAL=1h \
TALLY_AGGREGATES_REFRESH_WAIT_TIMEOUT=10m \
QUARKUS_LOG_LEVEL=WARN \
  java -jar target/quarkus-app/quarkus-run.jar > target/aggregates-benchmark-app.log 2>&1 &
app_pid=$!
await_ready "$app_pid" "${MANAGEMENT##*:}" 60 Tally || { tail -50 target/aggregates-benchmark-app.log >&2; exit 1; }

# Events reference a raw row (FK). The aggregates never read raw_events, so one placeholder raw row per
# client stands in for the per-event raw rows ingest would write; only the events table matters here.
psql_bench -c "INSERT INTO raw_events (client_id, payload, status, processed_at)
  SELECT 'client_' || c, '{\"benchmark\": true}'::jsonb, 'accepted', now() FROM generate_series(0, $CLIENTS - 1) c"
first_raw=$(psql_bench -c "SELECT min(id) FROM raw_events")

loaded=0
results=()
for size in $SIZES; do
  echo "== loading events $loaded..$size"
  t0=$(date +%s)
  chunk=1000000
  for ((start = loaded; start < size; start += chunk)); do
    end=$(( start + chunk < size ? start + chunk : size ))
    # Amounts with two decimals; timestamps scattered (multiplicative hash) over $DAYS days, microsecond precision.
    # Ascending fingerprints append to the primary key index instead of writing all over it (as md5 would).
    psql_bench -c "INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
      SELECT 'client_' || (i % $CLIENTS), 'bench-' || lpad(i::text, 12, '0'), 'metric_' || ((i / $CLIENTS) % $METRICS),
             round(((i * 7919) % 100000) / 100.0, 2),
             timestamptz '2024-01-01T00:00:00Z' + ((i::bigint * 2654435761) % ($DAYS * 86400000000::bigint)) * interval '1 microsecond',
             $first_raw + (i % $CLIENTS), 0
        FROM generate_series($start::bigint, $end - 1) i"
  done
  psql_bench -c "VACUUM ANALYZE events"
  loaded=$size
  echo "   loaded in $(( $(date +%s) - t0 )) s"

  echo "== refresh after the load"
  bulk=$(curl -fs "${AUTH[@]}" -X POST "$BASE/aggregates/refresh" | jq -r .durationMs)
  # client_7's tag before the steady-state refresh below, which only client_0's new event causes: sent back after
  # it, Tally must read client_7's rows, find them unchanged and answer 304 (the ETag names the rows).
  one_url="$BASE/aggregates?clientId=client_7&from=2024-02-01T00:00:00Z&to=2024-02-02T00:00:00Z&granularity=hour"
  one_tag=$(curl -fs -D - -o /dev/null "${AUTH[@]}" "$one_url" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
  # Steady state: one new event since the last refresh still recomputes the whole view.
  psql_bench -c "INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
    VALUES ('client_0', 'steady-$size', 'metric_0', 1, '2024-02-01T00:00:00Z', $first_raw, 0)"
  steady=$(curl -fs "${AUTH[@]}" -X POST "$BASE/aggregates/refresh" | jq -r .durationMs)
  view_rows=$(psql_bench -c "SELECT count(*) FROM hourly_aggregates")

  echo "== GET latency"
  one=$(java "$PROBE" "$one_url" $WARMUP $REQUESTS)
  stale=$(java "$PROBE" "$one_url" $WARMUP $REQUESTS "if-none-match=$one_tag")
  all=$(java "$PROBE" "$BASE/aggregates?granularity=total" 5 $TOTAL_REQUESTS)
  poll=$(java "$PROBE" "$BASE/aggregates?granularity=total" $WARMUP $REQUESTS revalidate)
  results+=("$size $view_rows $bulk $steady $one $all $poll $stale")
done

echo
echo "== Results (CLIENTS=$CLIENTS METRICS=$METRICS DAYS=$DAYS; sequential GETs: one client $REQUESTS, total $TOTAL_REQUESTS, 304 $REQUESTS)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }'; }
echo "| events | view rows | refresh after load | refresh, 1 new event | GET one client, hour, 1 day: p50 / p99 | GET all clients, total: p50 / p99 | GET total revalidated (304): p50 / p99 | GET one client, older tag, rows unchanged (304): p50 / p99 |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in "${results[@]}"; do
  read -r size view bulk steady one50 one99 onerows all50 all99 allrows poll50 poll99 _ stale50 stale99 _ <<< "$r"
  echo "| $size | $view | $bulk ms | $steady ms | $one50 / $one99 ms ($onerows rows) | $all50 / $all99 ms ($allrows rows) | $poll50 / $poll99 ms | $stale50 / $stale99 ms ($(ratio "$one50" "$stale50")x the 200) |"
done
if [ "${#results[@]}" -ge 2 ]; then
  read -r s1 v1 b1 st1 o50a o99a _ a50a a99a _ p50a p99a _ <<< "${results[0]}"
  read -r s2 v2 b2 st2 o50b o99b _ a50b a99b _ p50b p99b _ <<< "${results[-1]}"
  echo "| ratio $(( s2 / s1 ))x | $(ratio "$v1" "$v2") | $(ratio "$b1" "$b2") | $(ratio "$st1" "$st2") | $(ratio "$o50a" "$o50b") / $(ratio "$o99a" "$o99b") | $(ratio "$a50a" "$a50b") / $(ratio "$a99a" "$a99b") | $(ratio "$p50a" "$p50b") / $(ratio "$p99a" "$p99b") |"
fi
