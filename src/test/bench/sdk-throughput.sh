#!/usr/bin/env bash
# On-demand benchmark, not a test: what the SDK routes cost next to POST /events, for the same number of events
# per request, measured in the same run on the same database and printed as ratios (the machine is shared and noisy).
#
#   a  baseline: POST /events, a JSON array of BATCH canonical events, Authorization: Bearer (client bench_canon,
#      no mapping: the default rules)
#   s  POST /events, a JSON array of BATCH Segment track messages, Bearer (client bench, mapped with the segment
#      preset): the mapping's share, without the SDK envelope
#   b  POST /v1/batch, a Segment envelope {"batch":[BATCH track messages],"sentAt"}, HTTP Basic (key as user name)
#   c  the same envelope gzip-compressed (Content-Encoding: gzip), pre-generated bodies, each sent once
#   d  POST /batch/, a PostHog envelope with api_key in the body (client bench_ph, posthog preset)
#
#   src/test/bench/sdk-throughput.sh      (./mvnw -B package -DskipTests first; needs wrk, psql and python3)
#
# LOAD_SECONDS (20) per phase, LOAD_CONNECTIONS (16), BATCH (100) events per request, PHASES ("a s b c d"),
# ROUNDS (2): the phases run ROUNDS times over, in order and then in reverse (a s b c d, d c b s a, ...), so drift on
# the machine shows as a difference between rounds and a steady drift cancels over two rounds. Before each phase
# (RESET (1)) raw_events and events are truncated and a checkpoint taken: PostgreSQL's cost per event grows with
# the tables (and Tally's aggregate refresher reads all of events), which would otherwise penalise later phases. Before that, WARMUP_SECONDS (5) of each phase, not measured, so the JIT has compiled every route's code. PORT (18191) and MANAGEMENT_PORT (PORT + 1000). Every event has an id no other request uses; after each
# phase the events stored for its client are counted and compared with what the 2xx answers promised.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh
here=src/test/bench

db=tally_bench_sdk
port="${PORT:-18191}"
mport="${MANAGEMENT_PORT:-$((port + 1000))}"
seconds="${LOAD_SECONDS:-20}"
connections="${LOAD_CONNECTIONS:-16}"
threads=2
batch="${BATCH:-100}"
phases="${PHASES:-a s b c d}"
rounds="${ROUNDS:-2}"
reset="${RESET:-1}"
warmup="${WARMUP_SECONDS:-5}"
# A throwaway admin key; the rate limiter is set out of reach: these figures measure ingest, not it.
admin="tally_bench_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
jar=target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 2; }
for tool in wrk psql python3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 2; }
done
psql_db() { PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -U postgres -d "$1" -v ON_ERROR_STOP=1 -Atqc "$2"; }

work="$(mktemp -d)"
pid=""
cleanup() {
  [ -z "$pid" ] || stop_pids 10 "$pid"
  rm -rf "$work"
  drop_database "$db"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fresh_database "$db"
TALLY_SECURITY_RATE_LIMIT_REQUESTS_PER_SECOND=1000000 \
TALLY_SECURITY_RATE_LIMIT_BURST=1000000 \
  start_tally "$db" "$port" "$mport" "$admin" "$work/app.log"
pid=$tally_pid
await_ready "$pid" "$mport" 120 Tally || { tail -50 "$work/app.log" >&2; exit 1; }

api="http://127.0.0.1:$port"
# admin_call METHOD PATH BODY: the response body; fails on a non-2xx
admin_call() {
  curl -sS -m 10 --fail-with-body -X "$1" "$api$2" -H "Authorization: Bearer $admin" \
    -H 'Content-Type: application/json' -d "$3"
}
ingest_key() {  # ingest_key CLIENT: a new ingest key bound to CLIENT
  admin_call POST /keys "{\"role\":\"ingest\",\"clientIds\":[\"$1\"]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}
key_canon=$(ingest_key bench_canon)
key_seg=$(ingest_key bench)
key_ph=$(ingest_key bench_ph)
admin_call PUT /clients/bench/mapping '{"preset":"segment","fields":{"amount":"/properties/revenue"}}' >/dev/null
admin_call PUT /clients/bench_ph/mapping '{"preset":"posthog","fields":{"amount":"/properties/revenue"}}' >/dev/null
basic=$(printf '%s:' "$key_seg" | base64 -w0)

# CPU seconds (user + system) used so far by Tally's JVM and by this database's PostgreSQL backends (the pool's
# connections live across phases). CPU per event is steadier than events/s when other work shares the machine.
tick=$(getconf CLK_TCK)
cpu_java() { awk -v t="$tick" '{ print ($14 + $15) / t }' "/proc/$pid/stat"; }
cpu_pg() {
  local sum=0 p
  for p in $(pgrep -f "postgres: (.*: )?postgres $db " || true); do
    sum=$(awk -v s="$sum" -v t="$tick" '{ print s + ($14 + $15) / t }' "/proc/$p/stat" 2>/dev/null || echo "$sum")
  done
  echo "$sum"
}

stored() { psql_db "$db" "SELECT count(*) FROM events WHERE client_id = '$1'"; }
# The count once requests still in flight when wrk stopped have finished: stable for 1 s, at most 15 s.
settled() {
  local last now i
  last=$(stored "$1")
  for i in $(seq 1 15); do
    sleep 1
    now=$(stored "$1")
    [ "$now" = "$last" ] && break
    last=$now
  done
  echo "$last"
}

# gzip_set TAG COUNT DIR: COUNT gzip Segment envelopes of BATCH messages with ids unique to TAG, DIR/1.gz ...
gzip_set() {
  python3 - "$1" "$2" "$3" "$batch" <<'PY'
import gzip, json, os, sys
tag, count, out, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
ts = "2026-11-01T00:00:00.000Z"
os.makedirs(out, exist_ok=True)
for n in range(1, count + 1):
    msgs = [{"type": "track", "event": "Order Completed", "properties": {"revenue": 12.5}, "userId": "u",
             "messageId": f"{tag}-{n}-{j}", "timestamp": ts} for j in range(1, batch + 1)]
    body = json.dumps({"batch": msgs, "sentAt": ts}, separators=(",", ":")).encode()
    with open(os.path.join(out, f"{n}.gz"), "wb") as f:
        f.write(gzip.compress(body, 6))
PY
}

declare -A name client
name[a]="POST /events, canonical (baseline)"; client[a]=bench_canon
name[s]="POST /events, Segment messages, mapped"; client[s]=bench
name[b]="POST /v1/batch, Segment envelope, Basic"; client[b]=bench
name[c]="POST /v1/batch, the same gzip"; client[c]=bench
name[d]="POST /batch/, PostHog, api_key in body"; client[d]=bench_ph
declare -A mode=([a]=canon [s]=segarr [b]=segment [c]=gzip [d]=posthog)
declare -A auth=([a]="Bearer $key_canon" [s]="Bearer $key_seg" [b]="Basic $basic" [c]="Basic $basic" [d]="")
declare -A eps cpu  # eps[<phase><round>]: events per second; cpu[...]: Tally's CPU microseconds per event
max_b_requests=0
checks_failed=0
run_tag="r$(od -An -tx1 -N4 /dev/urandom | tr -d ' \n')"

# (with RESET, the warm-up's rows go before the first phase)
# Warm-up: every phase's route once, unmeasured, with ids of its own (a cold JVM would flatter later phases).
if [ "$warmup" -gt 0 ]; then
  for p in $phases; do
    [ -n "${mode[$p]:-}" ] || { echo "unknown phase $p (a s b c d)" >&2; exit 2; }
    header=()
    [ -n "${auth[$p]}" ] && header=(-H "Authorization: ${auth[$p]}")
    gz_env=()
    if [ "$p" = c ]; then
      gzip_set "${run_tag}w" 1000 "$work/gz"; gz_env=(BENCH_GZ_DIR="$work/gz" BENCH_GZ_COUNT=1000)
    fi
    env BENCH_MODE="${mode[$p]}" BENCH_BATCH="$batch" BENCH_TAG="${run_tag}w$p" BENCH_THREADS="$threads" \
      BENCH_API_KEY="$key_ph" "${gz_env[@]}" \
      wrk -t"$threads" -c"$connections" -d"${warmup}s" --timeout 60s "${header[@]}" -s "$here/sdk-throughput.lua" "$api" \
      >"$work/warmup-$p.txt" 2>&1 || { cat "$work/warmup-$p.txt" >&2; exit 1; }
  done
  settled bench >/dev/null; settled bench_canon >/dev/null; settled bench_ph >/dev/null
fi

printf '\n%s events per request, %s connections, %s s per phase; ids unique per run (%s)\n' \
  "$batch" "$connections" "$seconds" "$run_tag"
printf '%-3s %-42s %10s %9s %9s %7s %8s %8s %s\n' "" "phase" "events/s" "p50 ms" "p99 ms" "non-2xx" \
  "Tally" "PG" "check: stored vs promised"
printf '%-3s %-42s %10s %9s %9s %7s %17s\n' "" "" "" "" "" "" "(CPU us/event)"
reversed=$(echo $phases | tr ' ' '\n' | tac | tr '\n' ' ')
for r in $(seq 1 "$rounds"); do
  order=$phases; [ $((r % 2)) -eq 0 ] && order=$reversed
  for p in $order; do
    [ -n "${mode[$p]:-}" ] || { echo "unknown phase $p (a s b c d)" >&2; exit 2; }
    tag="$run_tag$p$r"
    if [ "$reset" = 1 ]; then
      psql_db "$db" "SET lock_timeout = '30s'; TRUNCATE raw_events, events; CHECKPOINT" >/dev/null
    fi
    before=$(stored "${client[$p]}")
    gz_env=()
    if [ "$p" = c ]; then
      # enough distinct bodies for the run: 3x the most requests a plain Segment phase completed, at least 3000
      count=$(( max_b_requests * 3 > 3000 ? max_b_requests * 3 : 3000 ))
      rm -rf "$work/gz"; gzip_set "$tag" "$count" "$work/gz"
      gz_env=(BENCH_GZ_DIR="$work/gz" BENCH_GZ_COUNT="$count")
    fi
    header=()
    [ -n "${auth[$p]}" ] && header=(-H "Authorization: ${auth[$p]}")
    env BENCH_MODE="${mode[$p]}" BENCH_BATCH="$batch" BENCH_TAG="$tag" BENCH_THREADS="$threads" BENCH_API_KEY="$key_ph" \
      "${gz_env[@]}" \
      wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 60s "${header[@]}" -s "$here/sdk-throughput.lua" "$api" \
      >"$work/wrk-$p$r.txt" 2>&1 &
    wrk_pid=$!
    j0=$(cpu_java); g0=$(cpu_pg)
    wait "$wrk_pid" || { cat "$work/wrk-$p$r.txt" >&2; exit 1; }
    j1=$(cpu_java); g1=$(cpu_pg)
    after=$(settled "${client[$p]}")
    line=$(grep '^RESULT ' "$work/wrk-$p$r.txt") || { cat "$work/wrk-$p$r.txt" >&2; exit 1; }
    declare -A v=()
    for kv in ${line#RESULT }; do v[${kv%%=*}]=${kv#*=}; done
    [ "$p" = b ] && [ "${v[requests]}" -gt "$max_b_requests" ] && max_b_requests=${v[requests]}
    rate=$(awk -v n="${v[requests]}" -v d="${v[duration_us]}" -v b="$batch" 'BEGIN { printf "%.0f", n * b / (d / 1e6) }')
    eps[$p$r]=$rate
    non2xx=$(( v[requests] - v[ok] ))
    promised=$(( v[ok] * batch ))
    delta=$(( after - before ))
    # A request in flight when wrk stopped is stored but never answered: at most one per connection.
    extra=$(( delta - v[accepted] ))
    # Every answered event accepted, or (phase c, once its set of bodies is used up) a duplicate; none rejected.
    dup_ok=$([ "$p" = c ] || [ "${v[duplicates]}" -eq 0 ] && echo 1 || echo 0)
    if [ $(( v[accepted] + v[duplicates] )) -eq "$promised" ] && [ "${v[rejected]}" -eq 0 ] && [ "$dup_ok" = 1 ] \
        && [ "$extra" -ge 0 ] && [ "$extra" -le $(( connections * batch )) ] && [ $(( extra % batch )) -eq 0 ]; then
      verdict=ok
    else
      verdict=MISMATCH; checks_failed=1
    fi
    note="$verdict: +$delta stored; 2xx x $batch = $promised, accepted $((v[accepted])), dup ${v[duplicates]}, rej ${v[rejected]}"
    [ "$extra" -ne 0 ] && note="$note; +$extra from $((extra / batch)) unanswered in flight at the stop"
    [ "${v[sockerr]}" -ne 0 ] && note="$note; socket errors ${v[sockerr]}"
    [ "$p" = c ] && note="$note; $count bodies, reused ${v[reused]}"
    # CPU microseconds per answered event while wrk ran (its first instants, before the sampling, are left out)
    cpu_tally=$(awk -v a="$j0" -v b="$j1" -v n="$promised" 'BEGIN { printf "%.1f", n ? (b - a) * 1e6 / n : 0 }')
    cpu_db=$(awk -v a="$g0" -v b="$g1" -v n="$promised" 'BEGIN { printf "%.1f", n ? (b - a) * 1e6 / n : 0 }')
    cpu[$p$r]=$cpu_tally
    printf '%-3s %-42s %10s %9.2f %9.2f %7s %8s %8s %s\n' "$p$r" "${name[$p]}" "$rate" \
      "$(awk -v u="${v[p50_us]}" 'BEGIN { print u / 1000 }')" "$(awk -v u="${v[p99_us]}" 'BEGIN { print u / 1000 }')" \
      "$non2xx" "$cpu_tally" "$cpu_db" "$note"
    unset v
  done
done

printf '\nratios to the baseline a (events/s), per round and over all rounds (sum / sum):\n'
for p in $phases; do
  [ "$p" = a ] && continue
  [[ " $phases " == *" a "* ]] || break
  per_round=""; sp=0; sa=0
  for r in $(seq 1 "$rounds"); do
    per_round="$per_round $(awk -v x="${eps[$p$r]}" -v y="${eps[a$r]}" 'BEGIN { printf "%.2f", x / y }')"
    sp=$((sp + eps[$p$r])); sa=$((sa + eps[a$r]))
  done
  cpu_ratio=$(for r in $(seq 1 "$rounds"); do echo "${cpu[$p$r]} ${cpu[a$r]}"; done |
    awk '{ x += $1; y += $2 } END { printf "%.2f", y ? x / y : 0 }')
  printf '  %s/a %-42s rounds:%s  all: %s   Tally CPU per event %s/a: %s\n' "$p" "(${name[$p]})" "$per_round" \
    "$(awk -v x="$sp" -v y="$sa" 'BEGIN { printf "%.2f", x / y }')" "$p" "$cpu_ratio"
done
if [ "$rounds" -gt 1 ]; then
  printf 'drift: baseline a, last round / first round = %s\n' \
    "$(awk -v x="${eps[a$rounds]:-0}" -v y="${eps[a1]:-1}" 'BEGIN { printf "%.2f", x / y }')"
fi
[ "$checks_failed" -eq 0 ] || { echo "a stored count did not match the 2xx answers: see MISMATCH above" >&2; exit 1; }
