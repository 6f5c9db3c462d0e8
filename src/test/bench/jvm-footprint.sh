#!/usr/bin/env bash
# On-demand benchmark, not a test: prints the JVM figures the README's sizing table and the Kubernetes
# resource requests are based on. Uses the already built target/quarkus-app (./mvnw package first) and a
# database of its own, so it never touches the one the tests use.
#
#   src/test/bench/jvm-footprint.sh [extra JVM options...]     e.g. -XX:MaxRAM=512m
#
# Needs curl, psql and wrk (apt-get install -y wrk). Load: LOAD_SECONDS (30) of single-event posts over
# LOAD_CONNECTIONS (32) connections, every event distinct (a new row each time, the expensive path).
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

db=tally_deploy_footprint  # a name of its own: other checkouts on this PostgreSQL have their own bench databases
port="${PORT:-18090}"
mport="${MANAGEMENT_PORT:-$((port + 1000))}"  # health and metrics
# Requests carry a throwaway admin key; the limiter is set out of reach: these figures measure ingest, not it.
export TALLY_BENCH_KEY="tally_bench_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
seconds="${LOAD_SECONDS:-30}"
connections="${LOAD_CONNECTIONS:-32}"
jar=target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

work="$(mktemp -d)"
pid=""
cleanup() {
  [ -z "$pid" ] || stop_pids 30 "$pid"
  rm -rf "$work"
  drop_database "$db"
}
trap cleanup EXIT

fresh_database "$db"

rss_mib() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

start_ns=$(date +%s%N)
TALLY_SECURITY_RATE_LIMIT_REQUESTS_PER_SECOND=1000000 \
TALLY_SECURITY_RATE_LIMIT_BURST=1000000 \
  start_tally "$db" "$port" "$mport" "$TALLY_BENCH_KEY" "$work/app.log" "$@"
pid=$tally_pid
# Its own wait (not await_ready): polled every 50 ms, since the time to ready is one of the figures.
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/q/health/ready")" = 200 ]; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/app.log"; exit 1; }
  if (( ($(date +%s%N) - start_ns) / 1000000000 > 60 )); then echo "not ready after 60 s" >&2; exit 1; fi
  sleep 0.05
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
quarkus_says="$(grep -o 'started in [0-9.]*s' "$work/app.log" | head -1)"
rss_ready=$(rss_mib "$pid")

sleep 20
rss_idle=$(rss_mib "$pid")

( while kill -0 "$pid" 2>/dev/null; do r=$(rss_mib "$pid"); echo "$r"; sleep 0.5; done ) >"$work/rss.txt" &
sampler=$!
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s src/test/bench/single-events.lua "http://127.0.0.1:$port" >"$work/wrk.txt"
kill "$sampler"; wait "$sampler" 2>/dev/null || true
peak=$(sort -n "$work/rss.txt" | tail -1)
rss_after=$(rss_mib "$pid")
stored=$(psql -h 127.0.0.1 -U postgres -d "$db" -Atc "SELECT count(*) FROM events")

echo "== JVM footprint ($(java -version 2>&1 | head -1); options: ${*:-none}; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "start to /q/health/ready 200 : ${ready_ms} ms (Quarkus: ${quarkus_says:-?})"
echo "RSS at ready                 : ${rss_ready} MiB"
echo "RSS idle (20 s after ready)  : ${rss_idle} MiB"
echo "RSS under load (peak)        : ${peak} MiB   (${connections} connections, ${seconds} s)"
echo "RSS right after load         : ${rss_after} MiB"
echo "events stored during load    : ${stored}"
grep -E "Requests/sec|Latency|Non-2xx|Socket errors|  50%|  99%" "$work/wrk.txt"
