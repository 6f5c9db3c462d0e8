#!/usr/bin/env bash
# Two Tally replicas against one database, without Kubernetes. Run by .ci/run after ./mvnw verify; builds
# nothing, runs target/quarkus-app/quarkus-run.jar twice on two free ports, in a database of its own
# (tally_multireplica, dropped afterwards). Shows that:
#   1. both replicas migrate the same empty database at once (Flyway's advisory lock);
#   2. ingest through both is deduplicated: the same event posted to both at the same moment is stored
#      once, one replica answers 201 and the other 200 "duplicate";
#   3. the recovery jobs of both replicas work the same pending backlog at once and never settle a row
#      twice (a trigger records every update of a raw row; each is updated exactly once);
#   4. the aggregates refresher runs on one replica at a time, and both answer with the same asOf and sums (and an
#      ETag from one is current on the other);
#   5. a key created on one replica works on the other, and once revoked there is refused within seconds.
# Requests carry an admin key installed as TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY; health and metrics are read
# from each replica's management port, which needs none.
# Bounded: every wait has a deadline; processes and the database are cleaned up on any exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. src/test/lib/tally.sh

DB=tally_multireplica
JAR=target/quarkus-app/quarkus-run.jar  # what start_tally runs
OUT=target/multi-replica
EVENTS=40            # posted through both replicas
BACKLOG=2000         # pending raw rows left for the recovery jobs ...
DISTINCT=500         # ... holding this many distinct events (the rest are retries of them)
CLIENT=multi-replica
ADMIN_KEY="tally_check_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
AUTH=(-H "Authorization: Bearer $ADMIN_KEY")

psql_db() { psql -h 127.0.0.1 -U postgres -d "$DB" -v ON_ERROR_STOP=1 -qAt "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "  ok: $*"; }

[ -f "$JAR" ] || fail "$JAR is missing: run ./mvnw -B verify (or package) first"
rm -rf "$OUT" && mkdir -p "$OUT"

pids=()
cleanup() {
  status=$?
  stop_pids 30 "${pids[@]}"
  [ "$status" = 0 ] || tail_logs 25 "$OUT"/replica-*.log
  drop_database "$DB"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fresh_database "$DB"

echo "== 1. two replicas start together against one empty database"
read -r -a free <<<"$(free_ports 4)"
ports=("${free[@]:0:2}")
mports=("${free[@]:2:2}")
for i in 0 1; do
  TALLY_RECOVERY_INTERVAL=1s \
  TALLY_RECOVERY_GRACE=1s \
  TALLY_RECOVERY_CHUNK_SIZE=50 \
  TALLY_RECOVERY_MAX_CHUNKS_PER_RUN=2 \
  TALLY_AGGREGATES_REFRESH_INTERVAL=1s \
    start_tally "$DB" "${ports[$i]}" "${mports[$i]}" "$ADMIN_KEY" "$OUT/replica-$i.log" -Xmx256m
  pids+=("$tally_pid")
done
# Both started before the first wait, so they migrate at once; both ready within 120 s.
deadline=$((SECONDS + 120))
for i in 0 1; do
  await_ready "${pids[$i]}" "${mports[$i]}" "$((deadline - SECONDS))" "replica $i" || exit 1
done
pass "replicas ready on ports ${ports[0]} and ${ports[1]} (management ${mports[0]} and ${mports[1]})"
[ "$(psql_db -c "SELECT count(*) FROM flyway_schema_history WHERE success")" -ge 1 ] || fail "no migration recorded"
[ "$(psql_db -c "SELECT count(*) FROM flyway_schema_history WHERE NOT success")" = 0 ] || fail "a migration failed"
pass "migrations applied once: $(psql_db -c "SELECT string_agg(version, ',' ORDER BY installed_rank) FROM flyway_schema_history")"

# Every update of a raw row, by whichever replica; a row settled twice would appear twice.
psql_db <<'SQL'
CREATE TABLE multi_replica_settlements (raw_id bigint NOT NULL, status text NOT NULL, backend int NOT NULL);
CREATE FUNCTION multi_replica_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO multi_replica_settlements VALUES (NEW.id, NEW.status, pg_backend_pid());
  RETURN NEW;
END $$;
CREATE TRIGGER multi_replica_record AFTER UPDATE ON raw_events FOR EACH ROW EXECUTE FUNCTION multi_replica_record();
SQL

echo "== 2. the same events through both replicas at once are stored once"
# Posts like a client: a 503 acknowledged nothing, so the same body is sent again (up to 5 times). Writes
# the final status code to $3, its body to $3.body, and the number of 503s to $3.retries.
post() { # port body file
  local attempt code
  for attempt in 1 2 3 4 5; do
    code="$(curl -s -o "$3.body" -w '%{http_code}' "${AUTH[@]}" -H 'Content-Type: application/json' --max-time 30 \
      --data-binary "$2" "http://127.0.0.1:$1/events")" || code=000
    [ "$code" = 503 ] || break
    sleep 1
  done
  echo "$code" >"$3"
  echo $((attempt - 1)) >"$3.retries"
}
posts=()
for n in $(seq 1 "$EVENTS"); do
  if (( n % 2 )); then
    body="{\"clientId\":\"$CLIENT\",\"metric\":\"m\",\"amount\":$n.5,\"timestamp\":\"2024-01-01T00:00:00Z\",\"eventId\":\"e-$n\"}"
  else # no eventId: deduplicated on the content fingerprint
    body="{\"clientId\":\"$CLIENT\",\"metric\":\"m\",\"amount\":$n,\"timestamp\":\"2024-01-01T00:00:0$((n % 10))Z\"}"
  fi
  post "${ports[0]}" "$body" "$OUT/event-$n-a" & posts+=("$!")
  post "${ports[1]}" "$body" "$OUT/event-$n-b" & posts+=("$!")
  if (( n % 10 == 0 || n == EVENTS )); then
    # A bare wait would also wait for the replicas.
    for p in "${posts[@]}"; do wait "$p" || true; done
    posts=()
  fi
done
retried=0
for n in $(seq 1 "$EVENTS"); do
  created=0
  event_retries=0
  for side in a b; do
    code="$(cat "$OUT/event-$n-$side")"
    case "$code" in
      201) created=$((created + 1)) ;;
      200) grep -q '"status":"duplicate"' "$OUT/event-$n-$side.body" \
             || fail "event $n: a 200 that is not a duplicate: $(cat "$OUT/event-$n-$side.body")" ;;
      *) fail "event $n: replica answered $code: $(cat "$OUT/event-$n-$side.body")" ;;
    esac
    event_retries=$((event_retries + $(cat "$OUT/event-$n-$side.retries")))
  done
  retried=$((retried + event_retries))
  # Two 200s are right only when a 503'd first attempt was finished by recovery (checked below in the DB).
  [ "$created" -le 1 ] || fail "event $n: both replicas answered 201"
  [ "$created" = 1 ] || [ "$event_retries" -gt 0 ] || fail "event $n: two duplicates and no 201"
done
pass "$EVENTS events, each posted to both replicas at once: every answer 201 or 200 duplicate, never two 201s"
if [ "$retried" -gt 0 ]; then
  # Seen on a loaded machine: a request slower than the 1 s grace meets the other replica's recovery job on
  # the same rows, PostgreSQL breaks the deadlock (40P01) and Tally answers 503, acknowledging nothing.
  echo "  note: $retried posts were answered 503 first and retried: $(grep -ho 'ERROR: [^(]*([0-9A-Z]*)' "$OUT"/replica-*.log | sort | uniq -c | tr -s ' ' | paste -sd ';' -)"
fi
deadline=$((SECONDS + 30))
while [ "$(psql_db -c "SELECT count(*) FROM raw_events WHERE client_id = '$CLIENT' AND status = 'pending'")" != 0 ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "raw rows of the ingest step still pending after 30 s"
  sleep 0.5
done
stored=$(psql_db -c "SELECT count(*) FROM events WHERE client_id = '$CLIENT'")
[ "$stored" = "$EVENTS" ] || fail "$stored events rows for $EVENTS distinct events"
# Every attempt that reached the database left a raw row: one per event is accepted, all others duplicates.
raw=$(psql_db -c "SELECT count(*) FILTER (WHERE status = 'accepted') || ' accepted, ' || count(*) FILTER (WHERE status = 'duplicate') || ' duplicate, '
  || count(*) FILTER (WHERE status NOT IN ('accepted', 'duplicate')) || ' other' FROM raw_events WHERE client_id = '$CLIENT'")
[[ "$raw" =~ ^$EVENTS\ accepted,\ ([0-9]+)\ duplicate,\ 0\ other$ ]] || fail "raw rows: $raw"
(( BASH_REMATCH[1] >= EVENTS && BASH_REMATCH[1] <= EVENTS + retried )) || fail "raw rows: $raw after $retried retries"
pass "one events row per event; raw rows: $raw"

echo "== 3. both recovery jobs drain one pending backlog; no row is settled twice"
# Sum of RecoveryJob's "Recovered N pending raw events" lines in the given logs.
recovered_in() { awk '/Recovered [0-9]+ pending raw events/ { for (i = 1; i < NF; i++) if ($i == "Recovered") s += $(i + 1) } END { print s + 0 }' "$@"; }
before=$(recovered_in "$OUT"/replica-*.log)
# Rows as a crashed request would leave them: committed raw, never settled, older than the grace.
psql_db -c "
INSERT INTO raw_events (received_at, client_id, content_type, payload, status)
SELECT now() - interval '1 hour', '$CLIENT-recovery', 'application/json',
       jsonb_build_object('clientId', '$CLIENT-recovery', 'metric', 'm', 'amount', i % $DISTINCT,
                          'timestamp', '2024-01-01T00:00:00Z', 'eventId', 'r-' || (i % $DISTINCT)),
       'pending'
  FROM generate_series(1, $BACKLOG) AS i"
deadline=$((SECONDS + 90))
while [ "$(psql_db -c "SELECT count(*) FROM raw_events WHERE status = 'pending'")" != 0 ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "pending rows left after 90 s: $(psql_db -c "SELECT count(*) FROM raw_events WHERE status = 'pending'")"
  sleep 0.5
done
recovered=()
for i in 0 1; do
  recovered+=("$(recovered_in "$OUT/replica-$i.log")")
done
total=$(( recovered[0] + recovered[1] - before ))
pass "backlog drained: replica 0 recovered ${recovered[0]}, replica 1 recovered ${recovered[1]} (logs)"
[ "$total" = "$BACKLOG" ] || fail "the replicas report $total recoveries for $BACKLOG pending rows"
[ "${recovered[0]}" -gt 0 ] && [ "${recovered[1]}" -gt 0 ] || fail "only one replica recovered rows; the check needs both at work"
backlog_updates="FROM multi_replica_settlements s JOIN raw_events r ON r.id = s.raw_id WHERE r.client_id = '$CLIENT-recovery'"
twice=$(psql_db -c "SELECT count(*) FROM (SELECT s.raw_id $backlog_updates GROUP BY s.raw_id HAVING count(*) > 1) t")
[ "$twice" = 0 ] || fail "$twice backlog rows were updated more than once"
settled=$(psql_db -c "SELECT count(DISTINCT s.raw_id) $backlog_updates")
[ "$settled" = "$BACKLOG" ] || fail "$settled of $BACKLOG backlog rows were settled"
pass "every backlog row updated exactly once ($(psql_db -c "SELECT count(*) $backlog_updates") updates over $(psql_db -c "SELECT count(DISTINCT s.backend) $backlog_updates") connections of both replicas)"
# Not a replica-vs-replica overlap, but worth seeing: with a 1 s grace a slow request's own row can be
# taken over by recovery, and the request's settle then rewrites it (to the same outcome).
both=$(psql_db -c "SELECT count(*) FROM (SELECT s.raw_id FROM multi_replica_settlements s JOIN raw_events r ON r.id = s.raw_id WHERE r.client_id = '$CLIENT' GROUP BY s.raw_id HAVING count(*) > 1) t")
[ "$both" = 0 ] || echo "  note: $both request rows were settled by both the request and a recovery run (grace 1 s)"
outcome=$(psql_db -c "SELECT (SELECT count(*) FROM events WHERE client_id = '$CLIENT-recovery') || ' events, '
  || count(*) FILTER (WHERE status = 'accepted') || ' accepted, ' || count(*) FILTER (WHERE status = 'duplicate') || ' duplicate'
  FROM raw_events WHERE client_id = '$CLIENT-recovery'")
[ "$outcome" = "$DISTINCT events, $DISTINCT accepted, $((BACKLOG - DISTINCT)) duplicate" ] || fail "backlog outcome: $outcome"
pass "backlog outcome: $outcome"

echo "== 4. aggregates refresher: one replica at a time"
# Both replicas tick every second (TALLY_AGGREGATES_REFRESH_INTERVAL=1s). A refresh needs the advisory lock
# AggregateRepository.REFRESH_LOCK ("tally" in ASCII); whoever does not get it skips the tick.
REFRESH_LOCK=$((0x74616c6c79))
generation() { psql_db -c "SELECT generation FROM aggregate_state"; }
attempts() { # outcome -> the sum over both replicas of tally_aggregates_refresh_attempts_total{outcome=...}
  local i total=0 value
  for i in 0 1; do
    value=$(curl -s --max-time 30 "http://127.0.0.1:${mports[$i]}/q/metrics" \
      | awk -v o="outcome=\"$1\"" 'index($0, "tally_aggregates_refresh_attempts_total{") == 1 && index($0, o) { s += $NF } END { printf "%d", s }')
    total=$((total + value))
  done
  echo "$total"
}
aggregate_event() { # port n
  curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" -H 'Content-Type: application/json' --max-time 30 --data-binary \
    "{\"clientId\":\"$CLIENT-agg\",\"metric\":\"m\",\"amount\":$2,\"timestamp\":\"2024-01-01T00:00:00Z\",\"eventId\":\"a-$2\"}" \
    "http://127.0.0.1:$1/events"
}
# "generation refreshed": the aggregates' generation and the refreshes both replicas report, once neither has moved
# for 1.5 s (refreshes tick every second); fails after 30 s of movement.
stable_refresh_counts() {
  local deadline=$((SECONDS + 30)) before after
  before="$(generation) $(attempts refreshed)"
  while :; do
    sleep 1.5
    after="$(generation) $(attempts refreshed)"
    [ "$after" = "$before" ] && { echo "$after"; return; }
    [ "$SECONDS" -lt "$deadline" ] || fail "refreshes did not come to rest within 30 s ($before -> $after)"
    before=$after
  done
}
check_aggregates_refresher() {
  local g0 refreshed0 g1 g2 deadline holder added refreshed locked i as_of sums settled
  # The generation (in the database) and the refreshes the replicas report (their metrics) are read apart: a refresh
  # that commits between the two reads would count on one side only. Read them once both have stood still for a
  # tick and a half (refreshes also run for outcome changes alone, e.g. the recovery of section 3 settling rows).
  settled=$(stable_refresh_counts)
  g0=${settled% *}
  refreshed0=${settled#* }
  # a) While something else holds the lock (as a third replica in the middle of a refresh would), neither
  #    replica refreshes, although new events keep arriving through both.
  psql_db -c "BEGIN; SELECT pg_advisory_xact_lock($REFRESH_LOCK); SELECT pg_sleep(4); COMMIT;" >/dev/null &
  holder=$!
  sleep 0.5
  g1=$(generation)
  for i in 1 2 3 4 5 6; do
    [ "$(aggregate_event "${ports[$((i % 2))]}" "$i")" = 201 ] || fail "aggregate event $i not accepted"
  done
  sleep 2.5
  g2=$(generation)
  [ "$g1" = "$g2" ] || fail "the view was refreshed (generation $g1 -> $g2) while another session held the refresh lock"
  pass "no refresh while another session holds the refresh lock (generation stayed $g1 for 3 s of new events)"
  wait "$holder"
  # b) Once the lock is free, one of them refreshes within a few ticks.
  deadline=$((SECONDS + 15))
  until [ "$(generation)" -gt "$g2" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "no refresh within 15 s after the lock was released"
    sleep 0.2
  done
  for i in 7 8 9 10; do aggregate_event "${ports[$((i % 2))]}" "$i" >/dev/null; sleep 1.2; done
  sleep 2
  # c) Every refresh ran on exactly one replica: the refreshes the replicas report add up to the generations
  #    added. The ticks skipped on a held lock are only reported: the session holding it in a) makes both
  #    replicas meet it, so their count cannot show that they met each other's.
  settled=$(stable_refresh_counts)
  added=$(( ${settled% *} - g0 ))
  refreshed=$(( ${settled#* } - refreshed0 ))
  locked=$(attempts locked)
  [ "$added" -gt 1 ] || fail "only $added refreshes happened"
  [ "$refreshed" = "$added" ] || fail "the replicas report $refreshed refreshes for $added new generations"
  pass "$added refreshes, each by exactly one replica (reported: $refreshed); ticks skipped because the lock was held: $locked"
  # d) Both replicas answer with the same asOf and the same exact sum (once a refresh has the last event).
  deadline=$((SECONDS + 20))
  while :; do
    for i in 0 1; do
      curl -s --max-time 30 "${AUTH[@]}" "http://127.0.0.1:${ports[$i]}/aggregates?clientId=$CLIENT-agg&granularity=total" >"$OUT/aggregates-$i.json"
    done
    as_of=$(python3 -c 'import json,sys; a=[json.load(open(f)) for f in sys.argv[1:]]; print(a[0].get("asOf") if a[0].get("asOf") == a[1].get("asOf") else "DIFFER")' "$OUT"/aggregates-0.json "$OUT"/aggregates-1.json)
    sums=$(python3 -c 'import json,sys; print(" ".join(str((json.load(open(f)).get("rows") or [{"sum": "none"}])[0]["sum"]) for f in sys.argv[1:]))' "$OUT"/aggregates-0.json "$OUT"/aggregates-1.json)
    [ "$as_of" != DIFFER ] && [ "$sums" = "55 55" ] && break
    [ "$SECONDS" -lt "$deadline" ] || fail "after 20 s the replicas answer asOf $as_of and sums $sums (expected one asOf, 55 from both)"
    sleep 0.5
  done
  pass "both replicas answer asOf $as_of and the exact sum 55"
  # e) A dashboard behind a load balancer: the ETag one replica gave is current on the other (304), also after a
  #    refresh that only another client's event caused (the tag names the rows, not only the generation).
  local url="/aggregates?clientId=$CLIENT-agg&granularity=total" etag g3 code
  etag=$(curl -s -D - -o /dev/null --max-time 30 "${AUTH[@]}" "http://127.0.0.1:${ports[0]}$url" \
    | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
  [ -n "$etag" ] || fail "replica 0 answered GET $url without an ETag"
  g3=$(generation)
  code=$(curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" -H 'Content-Type: application/json' --max-time 30 --data-binary \
    "{\"clientId\":\"$CLIENT-other\",\"metric\":\"m\",\"amount\":1,\"timestamp\":\"2024-01-01T00:00:00Z\"}" \
    "http://127.0.0.1:${ports[0]}/events")
  [ "$code" = 201 ] || fail "the other client's event was answered $code"
  deadline=$((SECONDS + 15))
  until [ "$(generation)" -gt "$g3" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "no refresh within 15 s of the other client's event"
    sleep 0.2
  done
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "${AUTH[@]}" -H "If-None-Match: $etag" "http://127.0.0.1:${ports[1]}$url")
  [ "$code" = 304 ] || fail "replica 1 answered $code to replica 0's ETag $etag after another client's refresh (expected 304)"
  pass "replica 0's ETag $etag is current on replica 1 after a refresh caused by another client (304)"
}
check_aggregates_refresher

echo "== 5. API keys: created on one replica, revoked there, refused by the other within seconds"
key_event() { # port key n
  curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" -H 'Content-Type: application/json' --max-time 30 \
    --data-binary "{\"metric\":\"m\",\"amount\":$3,\"timestamp\":\"2024-01-01T00:00:00Z\",\"eventId\":\"k-$3\"}" \
    "http://127.0.0.1:$1/events"
}
created=$(curl -s "${AUTH[@]}" -H 'Content-Type: application/json' --max-time 30 \
  --data-binary "{\"role\":\"ingest\",\"clientIds\":[\"$CLIENT-key\"]}" "http://127.0.0.1:${ports[0]}/keys")
key_id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$created") || fail "POST /keys answered $created"
key=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["key"])' "$created")
[ "$(key_event "${ports[1]}" "$key" 1)" = 201 ] || fail "replica 1 did not accept the key created on replica 0"
[ "$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' "${AUTH[@]}" -X DELETE "http://127.0.0.1:${ports[0]}/keys/$key_id")" = 200 ] || fail "revoking $key_id failed"
start=$SECONDS
n=2
accepted=1
while :; do
  code=$(key_event "${ports[1]}" "$key" "$n")
  [ "$code" = 401 ] && break
  [ "$code" = 201 ] && accepted=$((accepted + 1))
  [ $((SECONDS - start)) -lt 5 ] || fail "replica 1 still accepts key $key_id 5 s after it was revoked on replica 0"
  n=$((n + 1))
  sleep 0.1
done
pass "key $key_id: accepted by replica 1, refused there $((SECONDS - start)) s (whole seconds) after its revocation on replica 0"
[ "$(psql_db -c "SELECT count(*) FROM raw_events WHERE key_id = '$key_id'")" = "$accepted" ] || fail "refused requests left raw rows"
pass "requests refused with 401 stored nothing; the accepted one records key $key_id"

echo "== 6. both replicas shut down gracefully"
for i in 0 1; do kill -TERM "${pids[$i]}"; done
deadline=$((SECONDS + 30))
for i in 0 1; do
  while kill -0 "${pids[$i]}" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "replica $i still running 30 s after SIGTERM"
    sleep 0.2
  done
done
pass "both stopped within 30 s of SIGTERM"
echo "multi-replica check: PASSED"
