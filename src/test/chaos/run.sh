#!/usr/bin/env bash
# The chaos run (on demand, and its short form in .ci/run): unreliable clients against Tally on a private
# PostgreSQL while Tally is killed and restarted and PostgreSQL is crashed and restarted; exits 0 only when the
# verdict holds (every acknowledged event stored exactly once, nothing double counted, nothing left pending,
# aggregates equal to the events' exact sums).
#
#   src/test/chaos/run.sh                      # short form: 60 s of load, a fault every ~8 s after recovery
#   src/test/chaos/run.sh --duration 10m       # long form
#   options: --clients K (6)  --fault-gap 8s  --seed N  --keep (leave target/chaos-pg and logs)
#            --citus DIR (the Citus cluster src/test/citus/run.sh started: its coordinator, a worker crash among the faults)
#            --tamper lose-one|double-one|phantom-ack   (damage the outcome on purpose: the verdict must FAIL)
#
# Uses target/quarkus-app/quarkus-run.jar and target/test-classes: builds them when missing (./mvnw -B package
# -DskipTests). Needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin, or PG_BIN=...); as root it runs
# PostgreSQL as the postgres OS user. TALLY_CHAOS_API_KEY (default: a random key per run) is sent as a Bearer token and given to Tally
# as TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY.
set -euo pipefail
cd "$(dirname "$0")/../../.."

if [ ! -f target/quarkus-app/quarkus-run.jar ] || [ ! -f target/test-classes/dev/tally/chaos/ChaosRun.class ]; then
  ./mvnw -B -q package -DskipTests
fi
cp_file=target/chaos-classpath.txt
if [ ! -s "$cp_file" ] || [ pom.xml -nt "$cp_file" ]; then
  ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
fi
exec java -Xmx512m -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "target/test-classes:$(cat "$cp_file")" dev.tally.chaos.ChaosRun "$@"
