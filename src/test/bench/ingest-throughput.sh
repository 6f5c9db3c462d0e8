#!/usr/bin/env bash
# On-demand benchmark, not a test: POST /events throughput and latency, next to baselines measured in the same run
# on the same PostgreSQL — pgbench doing what accepted events cost the database at minimum (a committed raw insert,
# then a committed canonical insert; one row each, and 100 rows each) — and the HTTP stack alone
# (GET /q/health/live). Figures are printed as ratios to the baselines: the machine is shared and noisy.
#
#   src/test/bench/ingest-throughput.sh            (./mvnw -B package -DskipTests first; needs wrk and pgbench)
#
# Phases: single-event POSTs at LOAD_CONNECTIONS (the peak), 100-event batches, single events offered at half that
# peak on a fixed schedule (latency under a load the service keeps up with; next to pgbench's floor at the same rate),
# single events over one connection. The JVM's CPU time
# per event (/proc) and its resident memory at the peak are printed next to them.
# LOAD_SECONDS (20) per measurement, LOAD_CONNECTIONS (32) connections / pgbench clients. WARMUP_SECONDS (60): single
# events, then batches, sent before anything is measured and not counted — a JVM fresh from startup spends its first
# minute of load compiling, which no long-running replica pays (a JFR recording of a cold 20 s phase showed the C2
# compiler thread busier than both event loops together; after a 20 s warm-up the C2 thread still took 37 % of the
# JVM's CPU time in the measured 30 s, after 90 s 6 %, and the JVM's CPU per event fell from 365 to 169 µs).
# TALLY_JAR_DIR measures another build's target/quarkus-app (e.g. the previous release's). BENCH_SETUP_SQL is run
# against the scratch database once Tally has migrated it, before the warm-up: to measure without a part of the
# schema, e.g. the aggregates' triggers and index (docs/benchmarks.md, "The cost at ingest"). It prints the load average
# before and after: figures from a machine busy with other work are not comparable across runs, only within one.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

db=tally_bench_ingest
port="${PORT:-18091}"
mport="${MANAGEMENT_PORT:-$((port + 1000))}"  # health and metrics
# Requests carry a throwaway admin key; the limiter is set out of reach: these figures measure ingest, not it.
export TALLY_BENCH_KEY="tally_bench_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
seconds="${LOAD_SECONDS:-20}"
connections="${LOAD_CONNECTIONS:-32}"
batch=100
jar="${TALLY_JAR_DIR:-target/quarkus-app}/quarkus-run.jar"
[ -f "$jar" ] || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
pgbench=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)

work="$(mktemp -d)"
pid=""
cleanup() {
  [ -z "$pid" ] || stop_pids 30 "$pid"
  rm -rf "$work"
  drop_database "$db"
}
trap cleanup EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
fresh_database "$db"
TALLY_SECURITY_RATE_LIMIT_REQUESTS_PER_SECOND=1000000 \
TALLY_SECURITY_RATE_LIMIT_BURST=1000000 \
TALLY_JAR="$jar" \
  start_tally "$db" "$port" "$mport" "$TALLY_BENCH_KEY" "$work/app.log"
pid=$tally_pid
await_ready "$pid" "$mport" 120 Tally || { tail -50 "$work/app.log" >&2; exit 1; }

[ -z "${BENCH_SETUP_SQL:-}" ] || psql -h 127.0.0.1 -U postgres -d "$db" -v ON_ERROR_STOP=1 -q -c "$BENCH_SETUP_SQL"

# Warm-up, not measured (see above).
warmup="${WARMUP_SECONDS:-60}"
if [ "$warmup" -gt 0 ]; then
  BENCH_TAG=warm-single wrk -t2 -c"$connections" -d"${warmup}s" --timeout 10s -s src/test/bench/single-events.lua \
    "http://127.0.0.1:$port" >/dev/null
  BENCH_TAG=warm-batch BENCH_BATCH=$batch wrk -t2 -c"$connections" -d"$(( (warmup + 1) / 2 ))s" --timeout 10s \
    -s src/test/bench/single-events.lua "http://127.0.0.1:$port" >/dev/null
fi

# Baseline 1: the database's floor for one event — two separately committed inserts into Tally's own tables.
cat >"$work/floor.sql" <<'SQL'
\set n random(1, 2000000000)
INSERT INTO raw_events (client_id, payload, status) VALUES ('pgbench', '{"bench": true}', 'pending');
INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
  VALUES ('pgbench', md5(random()::text || :n), 'm', 1, now(), lastval(), 0) ON CONFLICT DO NOTHING;
SQL
# Baseline 2: the same two statements, 100 rows each (one "transaction" = 100 events).
cat >"$work/floor-batch.sql" <<SQL
\\set n random(1, 2000000000)
INSERT INTO raw_events (client_id, payload, status) SELECT 'pgbench', '{"bench": true}', 'pending' FROM generate_series(1, $batch);
INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
  SELECT 'pgbench', md5(random()::text || :n || g), 'm', 1, now(), lastval(), 0 FROM generate_series(1, $batch) g
  ON CONFLICT DO NOTHING;
SQL
pgbench_tps() {
  "$pgbench" -h 127.0.0.1 -U postgres -n -M prepared -c "$connections" -j 2 -T "$seconds" -f "$1" "$db" \
    >"$work/pgbench.txt" 2>&1 || { cat "$work/pgbench.txt" >&2; exit 1; }
  awk '/^tps = / { printf "%.0f", $3 }' "$work/pgbench.txt"
}
# pgbench runs each script as two autocommitted statements: two commits per "transaction", as Tally did per request.
floor_tps=$(pgbench_tps "$work/floor.sql")
floor_batch_eps=$(( $(pgbench_tps "$work/floor-batch.sql") * batch ))

# Baseline 3: the HTTP stack alone.
wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s --latency "http://127.0.0.1:$mport/q/health/live" >"$work/live.txt"

# CPU time (user + system, in clock ticks) the JVM used so far.
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
stored() { psql -h 127.0.0.1 -U postgres -d "$db" -Atc "SELECT count(*) FROM events WHERE client_id = 'bench'"; }
hz=$(getconf CLK_TCK)

# wrk_phase NAME CONNECTIONS [VAR=value...]: one wrk run of single-events.lua into $work/NAME.txt; sets phase_events
# (events stored during it) and phase_cpu_us (JVM CPU microseconds per stored event).
wrk_phase() {
  local name=$1 c=$2 before_ticks before_stored
  shift 2
  before_ticks=$(ticks); before_stored=$(stored)
  env "$@" BENCH_TAG="$name" wrk -t"$(( c < 2 ? 1 : 2 ))" -c"$c" -d"${seconds}s" --timeout 10s --latency -s src/test/bench/single-events.lua \
    "http://127.0.0.1:$port" >"$work/$name.txt"
  phase_events=$(( $(stored) - before_stored ))
  phase_cpu_us=$(awk -v t="$(( $(ticks) - before_ticks ))" -v hz="$hz" -v n="$phase_events" \
    'BEGIN { printf "%.0f", (n > 0 ? t * 1000000 / hz / n : 0) }')
}

rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
pct() { awk -v p="$2" '$1 == p { print $2 }' "$1"; }
non2xx() { local n; n=$(awk '/Non-2xx/ { print $NF }' "$1"); echo "${n:-0}"; }
socket_errors() { awk '/Socket errors/ { sub(/^ *Socket errors: */, ""); print }' "$1"; }
answered() { awk '/requests in/ { print $1 }' "$1"; }

# Requests per group so far (group commit; "-" for a build without it): the sum and count of tally_ingest_group_requests.
group_size() {
  curl -s "http://127.0.0.1:$mport/q/metrics" | awk '/^tally_ingest_group_requests_sum/ { s = $2 } /^tally_ingest_group_requests_count/ { c = $2 }
    END { if (c > 0) printf "%.1f", s / c; else printf "-" }'
}
wrk_phase single "$connections"
single_events=$phase_events single_cpu=$phase_cpu_us single_group=$(group_size)
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
ingest_rps=$(rps "$work/single.txt")
wrk_phase batch "$connections" BENCH_BATCH=$batch
batch_events=$phase_events batch_cpu=$phase_cpu_us
batch_eps=$(( $(rps "$work/batch.txt") * batch ))
batch_rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
half=$(( ingest_rps / 2 ))
wrk_phase paced "$connections" BENCH_RATE="$half"
# Baseline 4: the database's floor for one event at the same rate (pgbench -R, a schedule like the paced phase's):
# the latency of its two commits, from pgbench's per-transaction log: the time column less the schedule lag (how late
# the transaction started), as wrk times each request from when it is sent.
"$pgbench" -h 127.0.0.1 -U postgres -n -M prepared -c "$connections" -j 2 -T "$seconds" -R "$half" -l \
  --log-prefix="$work/paced-floor" -f "$work/floor.sql" "$db" >"$work/pgbench-paced.txt" 2>&1 \
  || { cat "$work/pgbench-paced.txt" >&2; exit 1; }
cat "$work/paced-floor".* | awk '{ print $3 - $7 }' | sort -n >"$work/paced-floor.sorted"
floor_paced_n=$(wc -l <"$work/paced-floor.sorted")
floor_paced_pct() { sed -n "$(( ($1 * floor_paced_n + 99) / 100 ))p" "$work/paced-floor.sorted" | awk '{ printf "%.2fms", $1 / 1000 }'; }
wrk_phase one 1

printf '\nload average before: %s; after: %s\n' "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)"
row() { printf '%-50s %10s %10s %10s %12s\n' "$@"; }
printf '\n'
row "measurement (${seconds}s each)" "per second" "p50" "p99" "CPU/event"
row "baseline: GET /q/health/live, $connections conn" "$(rps "$work/live.txt")" "$(pct "$work/live.txt" 50%)" "$(pct "$work/live.txt" 99%)" "-"
row "baseline: pgbench, 1 event, 2 commits, $connections cl" "$floor_tps" "-" "-" "-"
row "baseline: pgbench, $batch events, 2 commits, $connections cl" "$floor_batch_eps" "-" "-" "-"
row "POST /events, 1 new event, $connections conn" "$ingest_rps" "$(pct "$work/single.txt" 50%)" "$(pct "$work/single.txt" 99%)" "${single_cpu} µs"
row "POST /events, $batch new events, $connections conn (events)" "$batch_eps" "$(pct "$work/batch.txt" 50%)" "$(pct "$work/batch.txt" 99%)" "${batch_cpu} µs"
row "baseline: pgbench, 1 event, paced to $half/s" "$(( floor_paced_n / seconds ))" "$(floor_paced_pct 50)" "$(floor_paced_pct 99)" "-"
row "POST /events, 1 event, paced to $half/s" "$(rps "$work/paced.txt")" "$(pct "$work/paced.txt" 50%)" "$(pct "$work/paced.txt" 99%)" "-"
row "POST /events, 1 event, 1 connection" "$(rps "$work/one.txt")" "$(pct "$work/one.txt" 50%)" "$(pct "$work/one.txt" 99%)" "-"

printf '\nrequests per group (mean since start): after the single-event peak %s; at the end %s\n' "$single_group" "$(group_size)"
printf 'JVM resident memory after the single-event peak: %d MB; after the batches: %d MB\n' "$((rss_kb / 1024))" "$((batch_rss_kb / 1024))"
for name in single batch paced one; do
  printf '%-7s requests answered: %s; non-2xx answers: %s; socket errors: %s\n' "$name" "$(answered "$work/$name.txt")" \
    "$(non2xx "$work/$name.txt")" "$(socket_errors "$work/$name.txt")"
done
# Each single request is a new event: stored = answered, plus at most one in-flight request per connection at the end.
answered_single=$(answered "$work/single.txt"); non2xx_single=$(non2xx "$work/single.txt")
if [ "$single_events" -lt "$((answered_single - non2xx_single))" ] || [ "$single_events" -gt "$((answered_single + connections))" ]; then
  echo "WARNING: stored events ($single_events) do not match the answered requests: a figure above counts something else" >&2
fi
answered_batch=$(answered "$work/batch.txt")
if [ "$batch_events" -lt "$(( (answered_batch - $(non2xx "$work/batch.txt")) * batch ))" ]; then
  echo "WARNING: fewer events stored ($batch_events) than the batches answered promised" >&2
fi
awk -v a="$ingest_rps" -v f="$floor_tps" -v l="$(rps "$work/live.txt")" -v b="$batch_eps" -v fb="$floor_batch_eps" \
  'BEGIN { printf "single / database floor = %.2f; batches / batched floor = %.2f; single / HTTP alone = %.3f\n", a / f, b / fb, a / l }'
