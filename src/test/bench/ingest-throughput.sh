#!/usr/bin/env bash
# On-demand benchmark, not a test: single-event POST /events throughput and latency, next to a baseline
# measured in the same run on the same PostgreSQL — pgbench doing what one accepted event costs the database
# at minimum (a committed raw insert, then a committed canonical insert) — and the HTTP stack alone
# (GET /q/health/live). Figures are printed as ratios to the baselines: the machine is shared and noisy.
#
#   src/test/bench/ingest-throughput.sh            (./mvnw -B package -DskipTests first; needs wrk and pgbench)
#
# LOAD_SECONDS (20) per measurement, LOAD_CONNECTIONS (32) connections / pgbench clients.
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
jar=target/quarkus-app/quarkus-run.jar
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

fresh_database "$db"
TALLY_SECURITY_RATE_LIMIT_REQUESTS_PER_SECOND=1000000 \
TALLY_SECURITY_RATE_LIMIT_BURST=1000000 \
  start_tally "$db" "$port" "$mport" "$TALLY_BENCH_KEY" "$work/app.log"
pid=$tally_pid
await_ready "$pid" "$mport" 120 Tally || { tail -50 "$work/app.log" >&2; exit 1; }

# Baseline 1: the database's floor for one event — two separately committed inserts into Tally's own tables.
cat >"$work/floor.sql" <<'SQL'
\set n random(1, 2000000000)
INSERT INTO raw_events (client_id, payload, status) VALUES ('pgbench', '{"bench": true}', 'pending');
INSERT INTO events (client_id, fingerprint, metric, amount, ts, raw_id, mapping_version)
  VALUES ('pgbench', md5(random()::text || :n), 'm', 1, now(), lastval(), 0) ON CONFLICT DO NOTHING;
SQL
"$pgbench" -h 127.0.0.1 -U postgres -n -M prepared -c "$connections" -j 2 -T "$seconds" -f "$work/floor.sql" "$db" \
  >"$work/pgbench.txt" 2>&1 || { cat "$work/pgbench.txt"; exit 1; }
# pgbench runs each script as two autocommitted statements: two commits per "transaction", as Tally does.
floor_tps=$(awk '/^tps = / { printf "%.0f", $3 }' "$work/pgbench.txt")

# Baseline 2: the HTTP stack alone.
wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$mport/q/health/live" >"$work/live.txt"

wrk -t2 -c"$connections" -d"${seconds}s" --latency -s src/test/bench/single-events.lua "http://127.0.0.1:$port" >"$work/ingest.txt"

rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
pct() { awk -v p="$2" '$1 == p { print $2 }' "$1"; }
non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/ingest.txt"); non2xx=${non2xx:-0}
live_rps=$(rps "$work/live.txt"); ingest_rps=$(rps "$work/ingest.txt")
stored=$(psql -h 127.0.0.1 -U postgres -d "$db" -Atc "SELECT count(*) FROM events WHERE client_id = 'bench'")

printf '\n%-44s %10s %10s %10s\n' "measurement ($connections connections, ${seconds}s)" "per second" "p50" "p99"
printf '%-44s %10s %10s %10s\n' "baseline: GET /q/health/live" "$live_rps" "$(pct "$work/live.txt" 50%)" "$(pct "$work/live.txt" 99%)"
printf '%-44s %10s %10s %10s\n' "baseline: pgbench, 2 commits per event" "$floor_tps" "-" "-"
printf '%-44s %10s %10s %10s\n' "POST /events, one new event each" "$ingest_rps" "$(pct "$work/ingest.txt" 50%)" "$(pct "$work/ingest.txt" 99%)"
answered=$(awk '/requests in/ { print $1 }' "$work/ingest.txt")
printf '\nrequests answered: %s; non-2xx answers: %s; events stored: %s\n' "$answered" "$non2xx" "$stored"
# Each request is a new event: stored = answered, plus at most one in-flight request per connection at the end.
if [ "$stored" -lt "$((answered - non2xx))" ] || [ "$stored" -gt "$((answered + connections))" ]; then
  echo "WARNING: stored events do not match the answered requests: a figure above counts something else" >&2
fi
awk -v a="$ingest_rps" -v f="$floor_tps" -v l="$live_rps" \
  'BEGIN { printf "ingest / database floor = %.2f; ingest / HTTP alone = %.3f\n", a / f, a / l }'
