#!/usr/bin/env bash
# How aggregates cost grows with data, at 1M and 10M events: the incremental refresh (after 1 new event, after 10,000
# new events over 100 buckets), GET /aggregates p50/p99 (one client's hours over a week, all clients' totals, one
# client's days over 30 days in UTC and in two zones, a 304 revalidation), the full rebuild, and the freshness lag
# while events arrive at a steady rate.
# Not a test. Run from the project root:   src/test/bench/aggregates-benchmark.sh
# Needs the packaged application (./mvnw -B package -DskipTests; built here when missing), psql, wrk and a JDK.
# Uses a scratch database (default tally_bench) that it creates and drops; the events are generated in SQL.
#   BENCH_SIZES ("1000000 10000000"), FRESHNESS_SECONDS (60), FRESHNESS_RATE (1000 events/s), REFRESH_EVERY (5 s),
#   GET_WARMUP_SECONDS (5) and GET_SECONDS (10) per GET series, TALLY_JAR_DIR (another build, default
#   target/quarkus-app).
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

PGHOST="${PGHOST:-127.0.0.1}"; PGPORT="${PGPORT:-5432}"; PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER
DB="${BENCH_DB:-tally_bench}"
PORT="${BENCH_PORT:-18480}"
SIZES="${BENCH_SIZES:-1000000 10000000}"
FRESHNESS_SECONDS="${FRESHNESS_SECONDS:-60}"
FRESHNESS_RATE="${FRESHNESS_RATE:-1000}"
REFRESH_EVERY="${REFRESH_EVERY:-5}"
CLIENTS=50; METRICS=4; DAYS=90
# Zones whose days Tally pre-rolls (tally.aggregates.day-zones); the rebuild below fills them with the other levels.
DAY_ZONES="America/New_York,Asia/Kolkata"
# GETs are timed by wrk on one connection, one request at a time (-c1): the latency of each answer, as a polling
# dashboard sees it. Each series is GET_WARMUP_SECONDS of the same requests, not counted (a dashboard polls a replica
# that has been serving for hours), then GET_SECONDS timed. wrk, not a JVM: on this 2-core machine the JDK's
# HttpClient used 2.9 ms of CPU per week GET, more than Tally (1.9 ms) and PostgreSQL (1.2 ms) together, and its
# threads and collections competed with the server they timed. It still times the week GET once (LatencyProbe),
# the figure earlier runs reported.
GET_WARMUP="${GET_WARMUP_SECONDS:-5}"; GET_SECONDS="${GET_SECONDS:-10}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
BASE="http://127.0.0.1:$PORT"
MANAGEMENT="http://127.0.0.1:${BENCH_MANAGEMENT_PORT:-$((PORT + 1))}"  # health
# Requests carry a throwaway admin key; the limiter is set out of reach: these figures measure aggregates, not it.
export TALLY_BENCH_KEY="tally_bench_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
AUTH=(-H "Authorization: Bearer $TALLY_BENCH_KEY")
PROBE="src/test/bench/LatencyProbe.java"

psql_bench() { psql -d "$DB" -v ON_ERROR_STOP=1 -qAt "$@"; }
now_ms() { date +%s%3N; }

JAR_DIR="${TALLY_JAR_DIR:-target/quarkus-app}"  # another build's target/quarkus-app, e.g. the previous release's
[ -f "$JAR_DIR/quarkus-run.jar" ] || ./mvnw -B -q package -DskipTests

echo "== scratch database $DB"
psql -d postgres -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"

app_pid=""
work=$(mktemp -d)
cleanup() {
  rm -rf "$work"
  [ -z "$app_pid" ] || stop_pids 30 "$app_pid"
  psql -d postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
}
trap cleanup EXIT

# The scheduled refresh is off: each refresh measured is one this script asks for (POST /aggregates/refresh), and the
# freshness phase plays the scheduler itself (a refresh every REFRESH_EVERY seconds).
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
TALLY_AGGREGATES_DAY_ZONES="$DAY_ZONES" \
QUARKUS_LOG_LEVEL=WARN \
  java -jar "$JAR_DIR/quarkus-run.jar" > target/aggregates-benchmark-app.log 2>&1 &
app_pid=$!
await_ready "$app_pid" "${MANAGEMENT##*:}" 60 Tally || { tail -50 target/aggregates-benchmark-app.log >&2; exit 1; }

# Events reference a raw row (FK). The aggregates never read raw_events, so one placeholder raw row per
# client stands in for the per-event raw rows ingest would write; only the events table matters here.
psql_bench -c "INSERT INTO raw_events (client_id, payload, status, processed_at)
  SELECT 'client_' || c, '{\"benchmark\": true}'::jsonb, 'accepted', now() FROM generate_series(0, $CLIENTS - 1) c"
first_raw=$(psql_bench -c "SELECT min(id) FROM raw_events")

# etag URL: the ETag of URL's current answer.
etag() { curl -fs -D - -o /dev/null "${AUTH[@]}" "$1" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }'; }

# latency URL [IF_NONE_MATCH]: "p50_ms p99_ms rows" of sequential GETs of URL (with If-None-Match when given, then
# every answer must be 304; otherwise 200). One request first checks the status and counts the rows.
latency() {
  local url=$1 tag=${2:-} expected=200 status rows out
  local headers=("${AUTH[@]}")
  [ -z "$tag" ] || { headers+=(-H "If-None-Match: $tag"); expected=304; }
  status=$(curl -s -o "$work/answer.json" -w '%{http_code}' "${headers[@]}" "$url")
  [ "$status" = "$expected" ] || { echo "FAIL: $url answered $status, expected $expected" >&2; exit 1; }
  rows=$([ "$expected" = 304 ] && echo 0 || jq '.rows | length' "$work/answer.json")
  wrk -t1 -c1 -d"${GET_WARMUP}s" "${headers[@]}" "$url" >/dev/null
  out=$(wrk -t1 -c1 -d"${GET_SECONDS}s" --latency "${headers[@]}" "$url")
  if grep -q "Non-2xx or 3xx" <<< "$out"; then echo "FAIL: $url: $(grep "Non-2xx" <<< "$out")" >&2; exit 1; fi
  # wrk prints each percentile with its unit (us, ms or s).
  awk -v rows="$rows" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; return v * 1000 }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    END { printf "%.1f %.1f %d\n", p50, p99, rows }' <<< "$out"
}

refresh_ms() { curl -fs "${AUTH[@]}" -X POST "$BASE/aggregates/refresh" | jq -r .durationMs; }
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

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

  # The bulk load is absorbed by a full rebuild (what an operator runs after loading history), timed to the end.
  echo "== full rebuild"
  psql_bench -c "TRUNCATE aggregate_invalidations"
  t0=$(now_ms)
  id=$(curl -fs "${AUTH[@]}" -X POST "$BASE/aggregates/rebuild" | jq -r .id)
  until [ "$(curl -fs "${AUTH[@]}" "$BASE/aggregates/rebuilds/$id" | jq -r .state)" != running ]; do sleep 0.5; done
  rebuild=$(( $(now_ms) - t0 ))
  curl -fs "${AUTH[@]}" "$BASE/aggregates/rebuilds/$id" | jq -c .
  psql_bench -c "VACUUM ANALYZE aggregate_buckets" -c "VACUUM ANALYZE aggregate_hours" -c "VACUUM ANALYZE aggregate_days" -c "VACUUM ANALYZE aggregate_totals" -c "VACUUM ANALYZE aggregate_zone_days"
  # The load left gigabytes of dirty pages: written back now, not by a checkpoint in the middle of the timed phases.
  psql_bench -c "CHECKPOINT"
  refresh_ms >/dev/null
  buckets=$(psql_bench -c "SELECT bucket_rows FROM aggregate_state")

  echo "== refresh after 1 new event (median of 3)"
  # client_7's tag before the refreshes below, which only client_0's events cause: sent back after them, Tally must
  # read client_7's rows, find them unchanged and answer 304 (the ETag names the rows).
  one_url="$BASE/aggregates?clientId=client_7&from=2024-02-01T00:00:00Z&to=2024-02-08T00:00:00Z&granularity=hour"
  one_tag=$(etag "$one_url")
  singles=()
  for k in 1 2 3; do
    psql_bench -c "INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
      VALUES ('client_0', 'single-$size-$k', 'metric_0', 1, '2024-02-01T00:00:00Z', $first_raw, 0)"
    singles+=("$(refresh_ms)")
  done
  single=$(median3 "${singles[@]}")

  echo "== refresh after 10,000 new events over 100 buckets"
  # 10 clients x 10 quarter hours (late events, weeks back), 100 events in each bucket.
  psql_bench -c "INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
    SELECT 'client_' || (i % 10), 'batch-$size-' || i, 'metric_1', (i % 1000) / 100.0,
           timestamptz '2024-01-15T00:00:00Z' + ((i / 10) % 10) * interval '15 minutes' + (i % 7) * interval '1 second',
           $first_raw, 0
      FROM generate_series(0, 9999) i"
  batch=$(refresh_ms)

  echo "== GET latency"
  for _ in $(seq 60); do
    [ "$(psql_bench -c "SELECT count(*) FROM aggregate_zones WHERE ready")" = 2 ] && break
    sleep 1
  done
  psql_bench -c "SELECT 'pre-rolled zones: ' || string_agg(zone || CASE WHEN ready THEN '' ELSE ' (not complete)' END, ', ') FROM aggregate_zones"
  one=$(latency "$one_url")
  # The same week, timed as earlier runs did (the JDK's HttpClient, 1,000 requests warm-up, 300 timed).
  one_jdk=$(java "$PROBE" "$one_url" 1000 300)
  stale=$(latency "$one_url" "$one_tag")
  all=$(latency "$BASE/aggregates?granularity=total")
  all_tag=$(etag "$BASE/aggregates?granularity=total")
  poll=$(latency "$BASE/aggregates?granularity=total" "$all_tag")
  days_url="$BASE/aggregates?clientId=client_7&granularity=day"
  day_utc=$(latency "$days_url&from=2024-02-01T00:00:00Z&to=2024-03-02T00:00:00Z")
  day_ny=$(latency "$days_url&tz=America/New_York&from=2024-02-01T00:00:00-05:00&to=2024-03-02T00:00:00-05:00")
  day_in=$(latency "$days_url&tz=Asia/Kolkata&from=2024-02-01T00:00:00%2B05:30&to=2024-03-02T00:00:00%2B05:30")
  # Not in DAY_ZONES: its days are summed per request from 15-minute buckets and hours (the path any zone can take).
  day_np=$(latency "$days_url&tz=Asia/Kathmandu&from=2024-02-01T00:00:00%2B05:45&to=2024-03-02T00:00:00%2B05:45")
  results+=("$size $buckets $rebuild $single $batch $one $all $poll $stale $day_utc $day_ny $day_in $day_np $one_jdk")
done

# Freshness at the largest size: FRESHNESS_RATE events/s committed in batches of a tenth of a second, a refresh every
# REFRESH_EVERY seconds (as the scheduler would), and a probe event every 2 s whose lag from its commit to its first
# appearance in GET /aggregates is measured.
echo "== freshness: $FRESHNESS_RATE events/s for $FRESHNESS_SECONDS s, a refresh every $REFRESH_EVERY s"
per_tick=$(( FRESHNESS_RATE / 10 ))
ticks=$(( FRESHNESS_SECONDS * 10 ))
psql_bench -c "DO \$\$
  DECLARE started timestamptz;
  BEGIN
    FOR t IN 1..$ticks LOOP
      started := clock_timestamp();
      INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
      SELECT 'client_' || (i % $CLIENTS), 'steady-' || t || '-' || i, 'metric_' || (i % $METRICS), 1,
             clock_timestamp() - (i % 3600) * interval '1 second', $first_raw, 0
        FROM generate_series(1, $per_tick) i;
      COMMIT;
      PERFORM pg_sleep(greatest(0, 0.1 - extract(epoch FROM clock_timestamp() - started)));
    END LOOP;
  END \$\$" &
load_pid=$!
( while kill -0 $load_pid 2>/dev/null; do refresh_ms >/dev/null; sleep "$REFRESH_EVERY"; done ) &
refresher_pid=$!
lags=()
probe=0
t_end=$(( $(date +%s) + FRESHNESS_SECONDS - 10 ))
while [ "$(date +%s)" -lt "$t_end" ]; do
  probe=$((probe + 1))
  psql_bench -c "INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
    VALUES ('lag_probe', 'probe-$probe', 'm', 1, now(), $first_raw, 0)"
  committed=$(now_ms)
  until [ "$(curl -fs "${AUTH[@]}" "$BASE/aggregates?clientId=lag_probe&granularity=total" | jq -r '.rows[0].count // 0')" -ge "$probe" ]; do
    sleep 0.05
  done
  lags+=($(( $(now_ms) - committed )))
  sleep 2
done
wait $load_pid
wait $refresher_pid || true
lag_sorted=$(printf '%s\n' "${lags[@]}" | sort -n)
lag_p50=$(echo "$lag_sorted" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
lag_max=$(echo "$lag_sorted" | tail -1)
steady=$(psql_bench -c "SELECT count(*) FROM events WHERE fingerprint LIKE 'steady-%'")

echo
echo "== Results (CLIENTS=$CLIENTS METRICS=$METRICS DAYS=$DAYS; GETs one at a time by wrk for $GET_SECONDS s each; refresh times as reported by POST /aggregates/refresh)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }'; }
echo "| events | 15-min buckets | full rebuild | refresh, 1 new event | refresh, 10,000 new events in 100 buckets | GET one client, hours, 1 week: p50 / p99 | same, timed by the JDK's HttpClient | GET all clients, total: p50 / p99 | GET total revalidated (304): p50 / p99 | GET one client, older tag, rows unchanged (304): p50 / p99 |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in "${results[@]}"; do
  f=($r)
  echo "| ${f[0]} | ${f[1]} | ${f[2]} ms | ${f[3]} ms | ${f[4]} ms | ${f[5]} / ${f[6]} ms (${f[7]} rows) | ${f[29]} / ${f[30]} ms | ${f[8]} / ${f[9]} ms (${f[10]} rows) | ${f[11]} / ${f[12]} ms | ${f[14]} / ${f[15]} ms |"
done
echo
echo "| events | GET one client, days, 30 days, UTC: p50 / p99 | same in America/New_York (pre-rolled) | same in Asia/Kolkata (pre-rolled) | same in Asia/Kathmandu (not listed: summed) |"
echo "|---:|---:|---:|---:|---:|"
for r in "${results[@]}"; do
  f=($r)
  echo "| ${f[0]} | ${f[17]} / ${f[18]} ms (${f[19]} rows) | ${f[20]} / ${f[21]} ms (${f[22]} rows, p50 $(ratio "${f[17]}" "${f[20]}")x UTC) | ${f[23]} / ${f[24]} ms (${f[25]} rows, p50 $(ratio "${f[17]}" "${f[23]}")x UTC) | ${f[26]} / ${f[27]} ms (${f[28]} rows, p50 $(ratio "${f[17]}" "${f[26]}")x UTC) |"
done
if [ "${#results[@]}" -ge 2 ]; then
  read -r s1 _ rb1 si1 ba1 o50a o99a _ a50a a99a _ <<< "${results[0]}"
  read -r s2 _ rb2 si2 ba2 o50b o99b _ a50b a99b _ <<< "${results[-1]}"
  echo
  echo "ratios ${s2} / ${s1} events: rebuild $(ratio "$rb1" "$rb2"), refresh after 1 event $(ratio "$si1" "$si2"), after 10,000 $(ratio "$ba1" "$ba2"), one client's week p99 $(ratio "$o99a" "$o99b"), all totals p99 $(ratio "$a99a" "$a99b")"
fi
echo
echo "freshness at $loaded events: $steady events committed in $FRESHNESS_SECONDS s (target $FRESHNESS_RATE/s), refresh every $REFRESH_EVERY s;" \
  "lag from commit to visible over ${#lags[@]} probes: p50 $lag_p50 ms, max $lag_max ms (target: <= $(( REFRESH_EVERY * 1000 + 1000 )) ms)"
